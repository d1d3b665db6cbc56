import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadImage, type ResizedImage } from './image.js';

export interface DecodePoolOptions {
  /** Worker threads (default: available cores). 0 decodes in the calling thread. */
  workers?: number;
  /** Path of the worker script; default: decode-worker.{js,cjs} next to this module in dist. */
  workerScript?: string;
}

interface Pending {
  resolve: (img: ResizedImage) => void;
  reject: (err: Error) => void;
  size: number;
}

/** The built worker file beside this module (same format: .js for ESM, .cjs for CJS). */
export function defaultWorkerScript(): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), `decode-worker${extname(here) === '.cjs' ? '.cjs' : '.js'}`);
}

/**
 * A pool of worker threads that read, decode and resize images (jimp is pure JS and CPU bound,
 * so decoding scales with threads). Requests are spread over idle workers; `close()` ends them.
 */
export class DecodePool {
  readonly workers: number;
  private readonly threads: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { id: number; file: string; size: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(opts: DecodePoolOptions = {}) {
    this.workers = opts.workers ?? availableParallelism();
    if (this.workers === 0) return;
    const script = opts.workerScript ?? defaultWorkerScript();
    if (!existsSync(script) || extname(script) === '.ts') {
      throw new Error(
        `decode worker script ${script} not found (run the built package, pass workerScript, or use workers: 0)`,
      );
    }
    for (let k = 0; k < this.workers; k++) {
      const worker = new Worker(script);
      worker.on(
        'message',
        (msg: { id: number; error?: string; channels: 1 | 3; data: Uint8Array }) => {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          worker.unref(); // an idle pool must not keep the process alive
          this.idle.push(worker);
          this.pump();
          if (!p) return;
          if (msg.error !== undefined) p.reject(new Error(msg.error));
          else p.resolve({ size: p.size, channels: msg.channels, data: new Uint8Array(msg.data) });
        },
      );
      worker.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      worker.unref();
      this.threads.push(worker);
      this.idle.push(worker);
    }
  }

  /** Reads, decodes and resizes `file` to `size`×`size`. */
  decode(file: string, size: number): Promise<ResizedImage> {
    if (this.closed) return Promise.reject(new Error('decode pool is closed'));
    if (this.workers === 0) return loadImage(file, size);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject, size });
      this.queue.push({ id, file, size });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      worker.ref();
      worker.postMessage(this.queue.shift()!);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
