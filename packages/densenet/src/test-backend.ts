import * as tf from '@tensorflow/tfjs';

/** Test helper: every test file runs on the pure-JS cpu backend unless it says otherwise. */
export async function useCpuBackend(): Promise<void> {
  if (tf.getBackend() !== 'cpu') {
    await tf.setBackend('cpu');
  }
  await tf.ready();
}
