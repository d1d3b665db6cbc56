import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findPythonTensorflow,
  PROBE_SCRIPT,
  parseProbeOutput,
  type RunFile,
} from './python-tensorflow.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cihmlc-py-'));
const probeLine = (value: object) => `warning: something\nCIHMLC-PROBE ${JSON.stringify(value)}\n`;

describe('parseProbeOutput', () => {
  it('reads lib, include, distribution, version and the CUDA wheel directories', () => {
    const found = parseProbeOutput(
      'py',
      probeLine({
        python: '/v/bin/python',
        pythonVersion: '3.11.2',
        lib: '/v/site-packages/tensorflow',
        include: '/v/site-packages/tensorflow/include',
        distribution: 'tensorflow',
        version: '2.21.0',
        cudaLibDirs: ['/v/site-packages/nvidia/cublas/lib'],
      }),
    );
    expect(found).toEqual({
      python: '/v/bin/python',
      pythonVersion: '3.11.2',
      lib: '/v/site-packages/tensorflow',
      include: '/v/site-packages/tensorflow/include',
      distribution: 'tensorflow',
      version: '2.21.0',
      cudaLibDirs: ['/v/site-packages/nvidia/cublas/lib'],
    });
  });

  it('says TensorFlow is not installed for that Python, and how to install it', () => {
    expect(() =>
      parseProbeOutput(
        'py',
        probeLine({ python: '/usr/bin/python3', pythonVersion: '3.11.2', error: 'no-tensorflow' }),
      ),
    ).toThrow(
      /TensorFlow is not installed for \/usr\/bin\/python3 \(Python 3\.11\.2\).*pip install tensorflow-cpu.*--python/,
    );
  });

  it('rejects output without a probe line or with a malformed one', () => {
    expect(() => parseProbeOutput('py', 'Python 2.7\n')).toThrow(
      /py ran but printed no TensorFlow probe result/,
    );
    expect(() => parseProbeOutput('py', 'CIHMLC-PROBE {nope')).toThrow(/malformed probe result/);
  });
});

describe('findPythonTensorflow', () => {
  it('names a Python that does not exist', async () => {
    await expect(findPythonTensorflow(path.join(dir, 'no-python'))).rejects.toThrow(
      /Python not found: .*no-python \(ENOENT\); pass --python/,
    );
  });

  it('reports a "Python" that fails or prints something else', async () => {
    const bad = path.join(dir, 'bad-python');
    writeFileSync(bad, '#!/bin/sh\necho "SyntaxError: invalid syntax" >&2\nexit 1\n');
    chmodSync(bad, 0o755);
    await expect(findPythonTensorflow(bad)).rejects.toThrow(
      /bad-python failed to run the TensorFlow probe: SyntaxError: invalid syntax/,
    );
    const other = path.join(dir, 'other-python');
    writeFileSync(other, '#!/bin/sh\necho hello\n');
    chmodSync(other, 0o755);
    await expect(findPythonTensorflow(other)).rejects.toThrow(
      /other-python ran but printed no TensorFlow probe result/,
    );
  });

  it('passes the probe script to the interpreter', async () => {
    const calls: string[][] = [];
    const run: RunFile = async (file, args) => {
      calls.push([file, ...args]);
      return {
        stdout: probeLine({
          python: file,
          pythonVersion: '3.12',
          lib: '/t',
          include: '/t/include',
          cudaLibDirs: [],
        }),
        stderr: '',
      };
    };
    const found = await findPythonTensorflow('/opt/py', run);
    expect(calls).toEqual([['/opt/py', '-c', PROBE_SCRIPT]]);
    expect(found.lib).toBe('/t');
    expect(found.version).toBeUndefined();
  });

  it('runs the real probe script in a Python without TensorFlow (the system python3, if any)', async () => {
    const python = '/usr/bin/python3';
    let found: unknown;
    try {
      found = await findPythonTensorflow(python);
    } catch (error) {
      const message = (error as Error).message;
      if (/Python not found/.test(message)) return; // no system Python on this machine
      expect(message).toMatch(/TensorFlow is not installed for/);
      return;
    }
    expect(found).toHaveProperty('lib'); // this system Python does have TensorFlow
  });
});
