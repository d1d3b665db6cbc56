/**
 * Child process for native-stderr.test.ts: writes to file descriptor 2 directly (as native code
 * does) inside captureNativeStderr, then through process.stderr, and prints what was captured.
 * With `throw`: fn throws after writing. With `dawn`: selects the webgpu backend with a logger printing to stdout instead.
 */
import * as fs from 'node:fs';
import { captureNativeStderr } from '../native-stderr.js';

if (process.argv[2] === 'dawn') {
  const { selectBackend } = await import('../select-backend.js');
  const { releaseWebGpu } = await import('../webgpu-backend.js');
  const lines: string[] = [];
  const selection = await selectBackend({
    backend: 'webgpu',
    registerKernels: false,
    log: (line) => lines.push(line),
  });
  releaseWebGpu();
  process.stdout.write(`${JSON.stringify({ adapterName: selection.adapterName, lines })}\n`);
} else if (process.argv[2] === 'throw') {
  try {
    captureNativeStderr(() => {
      fs.writeSync(2, 'native line before the error\n');
      throw new Error('boom');
    });
  } catch (error) {
    process.stdout.write(`caught ${(error as Error).message}\n`);
  }
  process.stderr.write('after\n');
} else {
  process.stderr.write('before\n');
  const { result, captured } = captureNativeStderr(() => {
    fs.writeSync(2, 'Warning: written to fd 2 like fprintf(stderr)\n');
    return 42;
  });
  process.stderr.write('after\n');
  fs.writeSync(2, 'fd 2 again\n');
  process.stdout.write(`${JSON.stringify({ result, captured })}\n`);
}
