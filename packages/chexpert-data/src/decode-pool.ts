import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadImage, type ResizedImage } from './image.js';
import type { PoolJob } from './pool-worker.js';

export interface DecodePoolOptions {
  /** Worker threads (default: available cores). 0 works in the calling thread. */
  workers?: number;
  /** Path of the worker script; default: pool-worker.{js,cjs} next to this module in dist. */
  workerScript?: string;
}

/** The built worker file beside this module (same format: .js for ESM, .cjs for CJS). */
export function defaultWorkerScript(): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), `pool-worker${extname(here) === '.cjs' ? '.cjs' : '.js'}`);
}

/** Whether worker threads can run here: the built worker file exists (not when running sources). */
export function workerScriptAvailable(script = defaultWorkerScript()): boolean {
  return extname(script) !== '.ts' && existsSync(script);
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * A pool of worker threads running pool-worker jobs (jimp decoding, synthetic rendering: pure
 * JS and CPU bound, so they scale with threads). Jobs go to idle workers in order; an idle pool
 * does not keep the process alive; `close()` ends the threads.
 */
export class WorkerPool {
  readonly workers: number;
  private readonly threads: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { id: number; job: PoolJob }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  private broken: Error | undefined;

  constructor(workers: number, script = defaultWorkerScript()) {
    this.workers = workers;
    if (workers > 0 && !workerScriptAvailable(script)) {
      throw new Error(
        `worker script ${script} not found (run the built package, pass workerScript, or use workers: 0)`,
      );
    }
    for (let k = 0; k < workers; k++) {
      const worker = new Worker(script);
      worker.on('message', (msg: { id: number; error?: string; result?: unknown }) => {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        worker.unref();
        this.idle.push(worker);
        this.pump();
        if (!p) return;
        if (msg.error !== undefined) p.reject(new Error(msg.error));
        else p.resolve(msg.result);
      });
      // A crashed worker fails everything in flight and the pool: nothing may wait forever.
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`worker thread exited with code ${code}`));
      });
      worker.unref();
      this.threads.push(worker);
      this.idle.push(worker);
    }
  }

  private fail(err: Error): void {
    this.broken ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.queue.length = 0;
  }

  run<T>(job: PoolJob): Promise<T> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.queue.push({ id, job });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      worker.ref(); // busy: keep the process alive until the result arrives
      worker.postMessage(this.queue.shift()!);
    }
  }

  /** Ends the threads; jobs still queued or running are rejected, never left waiting. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('worker pool closed before the job finished');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.queue.length = 0;
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}

/** Reads, decodes and resizes images in worker threads (or in this thread with workers: 0). */
export class DecodePool {
  readonly workers: number;
  private readonly pool: WorkerPool | undefined;

  constructor(opts: DecodePoolOptions = {}) {
    this.workers = opts.workers ?? availableParallelism();
    this.pool = this.workers > 0 ? new WorkerPool(this.workers, opts.workerScript) : undefined;
  }

  /** Reads, decodes and resizes `file` to `size`×`size`. */
  async decode(file: string, size: number): Promise<ResizedImage> {
    if (!this.pool) return loadImage(file, size);
    return this.pool.run<ResizedImage>({ kind: 'decode', file, size });
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
