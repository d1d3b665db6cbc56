import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkBrowserBundle } from '../../../scripts/browser-bundle-check.mjs';

const src = path.dirname(fileURLToPath(import.meta.url));

describe('browser bundle (esbuild, platform browser)', () => {
  it('the main entry imports no Node built-in or Node-only package', async () => {
    const { violations, errors, bytes } = await checkBrowserBundle(path.join(src, 'index.ts'));
    expect(errors).toEqual([]);
    expect(violations).toEqual([]);
    expect(bytes).toBeGreaterThan(0);
  });

  it('the ./node entry is caught (the check can fail)', async () => {
    const { violations } = await checkBrowserBundle(path.join(src, 'node.ts'));
    expect(violations.map((v) => v.specifier)).toContain('node:fs');
  });
});
