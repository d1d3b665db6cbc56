import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadModule } from './module-loader.js';
import { probeWebGpuAdapter, releaseWebGpu } from './webgpu-backend.js';

const run = promisify(execFile);
const pkgDir = path.join(import.meta.dirname, '..');
const child = path.join(import.meta.dirname, 'testing', 'native-stderr-child.ts');
/** The child through bash, its stderr a real pipe (Node's own child stdio are sockets). */
async function throughPipe(args: string[]) {
  const script = '{ "$0" --import tsx "$@" 2>&1 1>&3 | cat >&2; } 3>&1';
  return run('bash', ['-c', script, process.execPath, child, ...args], { cwd: pkgDir });
}

describe.skipIf(process.platform !== 'linux')('captureNativeStderr', () => {
  it('returns what was written to fd 2 during fn, and stderr works again afterwards (pipe)', async () => {
    const { stdout, stderr } = await throughPipe([]);
    expect(JSON.parse(stdout)).toEqual({
      result: 42,
      captured: 'Warning: written to fd 2 like fprintf(stderr)\n',
    });
    expect(stderr).toBe('before\nafter\nfd 2 again\n');
  });

  it('restores stderr and passes the captured text on when fn throws', async () => {
    const { stdout, stderr } = await throughPipe(['throw']);
    expect(stdout).toBe('caught boom\n');
    expect(stderr).toBe('native line before the error\nafter\n');
  });

  it('leaves a stderr redirected to a regular file alone (captured: null)', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-stderr-')), 'err.txt');
    const fd = fs.openSync(file, 'w');
    const r = spawnSync(process.execPath, ['--import', 'tsx', child], {
      cwd: pkgDir,
      stdio: ['ignore', 'pipe', fd],
      encoding: 'utf8',
    });
    fs.closeSync(fd);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ result: 42, captured: null });
    expect(fs.readFileSync(file, 'utf8')).toBe(
      'before\nWarning: written to fd 2 like fprintf(stderr)\nafter\nfd 2 again\n',
    );
  });

  it('leaves a socket stderr alone (captured: null): it cannot be reopened', async () => {
    // Node creates its children's stdio pipes as socket pairs.
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', child], {
      cwd: pkgDir,
    });
    expect(JSON.parse(stdout)).toEqual({ result: 42, captured: null });
    expect(stderr).toBe(
      'before\nWarning: written to fd 2 like fprintf(stderr)\nafter\nfd 2 again\n',
    );
  });

  it("routes Dawn's start-up warnings to selectBackend's log, not stderr (where Dawn has an adapter)", async () => {
    let adapterName = '';
    try {
      adapterName = (await probeWebGpuAdapter(loadModule)).adapterName;
    } catch (error) {
      console.log(`SKIPPED Dawn log routing: no WebGPU adapter (${(error as Error).message})`);
      return;
    } finally {
      releaseWebGpu();
    }
    const { stdout, stderr } = await throughPipe(['dawn']);
    const out = JSON.parse(stdout) as { adapterName: string; lines: string[] };
    expect(out.adapterName).toBe(adapterName);
    expect(stderr).not.toMatch(/artificially reduced/);
    if (/llvmpipe/.test(adapterName)) {
      // lavapipe reports 10^6 dynamic buffers per layout; Dawn caps them and says so natively.
      expect(out.lines).toContain(
        'webgpu: Dawn: Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.',
      );
    }
    expect(out.lines.at(-1)).toMatch(/^backend webgpu selected/);
  });
});
