import * as tf from '@tensorflow/tfjs';

/**
 * Makes `name` the active TF.js backend and proves it: TF.js must report exactly that backend
 * afterwards. A failed initialisation throws instead of leaving TF.js on another backend.
 */
export async function activateBackend(name: string): Promise<void> {
  if (!tf.findBackendFactory(name)) {
    throw new Error(`TF.js backend '${name}' is not registered (its package did not load)`);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (error) {
    throw new Error(`TF.js backend '${name}' failed to initialise: ${String(error)}`);
  }
  const current = tf.getBackend();
  if (!ok || current !== name) {
    throw new Error(
      `TF.js backend '${name}' failed to initialise (tf.setBackend returned ${ok}); TF.js is on '${current}'`,
    );
  }
}
