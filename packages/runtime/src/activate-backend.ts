import * as tf from '@tensorflow/tfjs';

/** The engine's current backend name without initialising one (tf.getBackend() would). */
function currentBackendName(): string | null {
  return (tf.engine() as unknown as { backendName: string | null }).backendName ?? null;
}

/**
 * Makes `name` the active TF.js backend and proves it: TF.js must report exactly that backend
 * afterwards. On failure TF.js is put back on the backend it was on (tf.setBackend alone would
 * leave it without one, and the next op would silently start the highest-priority backend),
 * and the error says so.
 */
export async function activateBackend(name: string): Promise<void> {
  if (!tf.findBackendFactory(name)) {
    throw new Error(`TF.js backend '${name}' is not registered (its package did not load)`);
  }
  const previous = currentBackendName();
  let ok = false;
  let cause = '';
  try {
    ok = await tf.setBackend(name);
    if (ok) await tf.ready();
  } catch (error) {
    cause = `: ${String(error)}`;
  }
  if (ok && tf.getBackend() === name) return;
  let now = 'no backend';
  if (previous && previous !== name && tf.findBackendFactory(previous)) {
    await tf.setBackend(previous);
    now = `'${currentBackendName()}'`;
  }
  throw new Error(
    `TF.js backend '${name}' failed to initialise${cause || ` (tf.setBackend returned ${ok})`}; TF.js is on ${now}`,
  );
}
