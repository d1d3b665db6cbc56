import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cApiCallsIn, missingSymbols, REQUIRED_C_API_SYMBOLS } from './c-api-symbols.js';

function bindingSources(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu/package.json');
    const dir = path.join(path.dirname(pkg), 'binding');
    return readdirSync(dir)
      .filter((f) => /\.(cc|h)$/.test(f))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
  } catch {
    return undefined;
  }
}

describe('REQUIRED_C_API_SYMBOLS', () => {
  const sources = bindingSources();
  it.runIf(sources)("is exactly the C API that tfjs-node-gpu 4.22's binding sources call", () => {
    expect([...cApiCallsIn(sources as string)].sort()).toEqual([...REQUIRED_C_API_SYMBOLS].sort());
    expect(REQUIRED_C_API_SYMBOLS).toContain('TF_Version');
    expect(REQUIRED_C_API_SYMBOLS).toContain('TFE_NewContext');
  });

  it('cApiCallsIn skips the inline string helpers and the binding’s own classes', () => {
    const calls = cApiCallsIn(
      'TF_AutoStatus s; TFE_AutoOp(op); TF_TString_Init(&t); TF_Version(); x = TFE_Execute(op);',
    );
    expect([...calls]).toEqual(['TF_Version', 'TFE_Execute']);
  });

  it('missingSymbols takes the union of the libraries and sorts what is missing', () => {
    expect(missingSymbols([new Set(['b']), new Set(['a'])], ['c', 'a', 'b', 'B'])).toEqual([
      'B',
      'c',
    ]);
    expect(missingSymbols([new Set(REQUIRED_C_API_SYMBOLS)])).toEqual([]);
    expect(missingSymbols([])).toHaveLength(REQUIRED_C_API_SYMBOLS.length);
  });
});
