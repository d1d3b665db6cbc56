/**
 * Worker-thread entry of the decode pool: reads, decodes and resizes one file per message and
 * returns the pixels as a transferred buffer. Built by tsup as dist/decode-worker.{js,cjs}.
 */
import { parentPort } from 'node:worker_threads';
import { loadImage } from './image.js';

interface DecodeRequest {
  id: number;
  file: string;
  size: number;
}

parentPort?.on('message', async (req: DecodeRequest) => {
  try {
    const img = await loadImage(req.file, req.size);
    parentPort!.postMessage({ id: req.id, channels: img.channels, data: img.data }, [
      img.data.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    parentPort!.postMessage({
      id: req.id,
      error: err instanceof Error ? err.message : String(err),
    });
  }
});
