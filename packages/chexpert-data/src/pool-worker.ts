/**
 * Worker-thread entry shared by the decode pool and the synthetic generator: one job per
 * message, pixels or JPEG bytes returned as transferred buffers. Built by tsup as
 * dist/pool-worker.{js,cjs}.
 */
import { parentPort } from 'node:worker_threads';
import type { CsvChunkJob } from './csv.js';
import { encodeGrayscaleJpeg } from './synthetic/jpeg-gray.js';
import type { StudyFindings } from './synthetic/labels.js';
import { renderRadiograph } from './synthetic/render.js';

export type PoolJob =
  | { kind: 'decode'; file: string; size: number }
  | CsvChunkJob
  | {
      kind: 'render';
      study: StudyFindings;
      view: 'frontal' | 'lateral';
      size: number;
      seed: number;
      quality: number;
    };

export async function runJob(job: PoolJob): Promise<{ result: unknown; transfer: ArrayBuffer[] }> {
  if (job.kind === 'decode') {
    // Loaded on first use: a rendering worker never pays for importing jimp.
    const { loadImage } = await import('./image.js');
    const img = await loadImage(job.file, job.size);
    return { result: img, transfer: [img.data.buffer as ArrayBuffer] };
  }
  if (job.kind === 'csv') {
    const { parseCsvChunk } = await import('./csv.js');
    const csv = await parseCsvChunk(job);
    return {
      result: csv,
      transfer: [csv.raw.data.buffer, csv.lines.buffer, csv.age.buffer] as ArrayBuffer[],
    };
  }
  const img = renderRadiograph(job.study, job.view, job.size, job.seed);
  const jpeg = encodeGrayscaleJpeg(img.gray, job.size, job.size, job.quality);
  return { result: { jpeg, findings: img.findings }, transfer: [jpeg.buffer as ArrayBuffer] };
}

parentPort?.on('message', async (msg: { id: number; job: PoolJob }) => {
  try {
    const { result, transfer } = await runJob(msg.job);
    parentPort!.postMessage({ id: msg.id, result }, transfer);
  } catch (err) {
    parentPort!.postMessage({
      id: msg.id,
      error: err instanceof Error ? err.message : String(err),
    });
  }
});
