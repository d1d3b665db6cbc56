// Entry of the trainer's GPU bundle (prepare.sh). The bundle has no node_modules: install
// navigator.gpu from $DAWN_NODE first, then evaluate the bundled tfjs-backend-webgpu (it
// registers its backend only when navigator.gpu exists), then run the CLI. run.sh puts an empty
// stub package under node_modules so that selectBackend's require of the (already loaded)
// backend package succeeds.
import { createRequire } from 'node:module';
import { probeWebGpuAdapter } from '@cihmlc/runtime';

const require = createRequire(import.meta.url);
try {
  await probeWebGpuAdapter((specifier) => require(specifier));
  await import('@tensorflow/tfjs-backend-webgpu');
} catch (error) {
  console.error(`no WebGPU adapter: ${(error as Error).message}`);
}
await import('../../src/cli.js');
