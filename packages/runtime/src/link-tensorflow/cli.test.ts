import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = path.resolve(here, '../../node_modules/.bin/tsx');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, [path.join(here, 'cli.ts'), ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('cihmlc-runtime CLI', () => {
  it('prints usage for --help (exit 0) and rejects unknown commands and packages (exit 1)', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /^Usage: cihmlc-runtime --version \| --help\n\s+cihmlc-runtime link-tensorflow \[--python PATH\]/,
    );
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(
      `${JSON.parse(readFileSync(path.join(here, '../../package.json'), 'utf8')).version}\n`,
    );
    const unknown = await cli(['link-pytorch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command "link-pytorch"/);
    const badPackage = await cli(['link-tensorflow', '--package', 'tfjs-web']);
    expect(badPackage.code).toBe(1);
    expect(badPackage.stderr).toMatch(
      /--package: "tfjs-web" is not one of tfjs-node-gpu, tfjs-node/,
    );
  });

  it('lists what is missing and exits 1 when the Python does not exist', async () => {
    const result = await cli(['link-tensorflow', '--check', '--python', '/nonexistent/python3']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /cannot link TensorFlow; missing:\n {2}- Python not found: \/nonexistent\/python3 \(ENOENT\)/,
    );
  });
});
