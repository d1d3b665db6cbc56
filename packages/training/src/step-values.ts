import * as tf from '@tensorflow/tfjs';

/** Sums of one epoch's per-image-weighted training values, as plain numbers. */
export interface StepSums {
  loss: number;
  bce: number;
  penalty: number;
  images: number;
}

/** A step's values could not be used: NaN or infinite. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly value: number,
    readRange: [number, number],
  ) {
    super(
      `epoch ${epoch + 1}, step ${step + 1} (steps ${readRange[0] + 1}–${readRange[1] + 1} read together): the training loss is ${value}; lower the learning rate`,
    );
    this.name = 'NonFiniteLossError';
  }
}

interface Pending {
  first: number;
  last: number;
  sizes: number[];
  values: Promise<Float32Array>;
  /** The read has completed (settling it then waits for nothing). */
  done: boolean;
}

/**
 * The training loop's loss bookkeeping without a synchronous read per step: each step's
 * [loss, bce, penalty] stays on the device; every `readEvery` steps they are stacked into one
 * tensor whose read (`data()`, asynchronous) is started and only awaited at the next read point
 * (so the device is never waited on while it still has queued work) or at the end of the epoch.
 * Sums are accumulated in float64 on the host from the float32 step values, in step order, and
 * checked for NaN/∞ naming the epoch and step.
 */
/** A step's [loss, bce, penalty]: on the device, or a read already under way (a replayed step's). */
export type StepValueSource = tf.Tensor | (() => Promise<Float32Array>);

export class StepValues {
  private queued: StepValueSource[] = [];
  private sizes: number[] = [];
  private firstQueued = 0;
  private pending: Pending | null = null;
  private sums: StepSums = { loss: 0, bce: 0, penalty: 0, images: 0 };
  private stepsRead = 0;

  constructor(
    private readonly epoch: number,
    private readonly readEvery: number,
  ) {}

  /** Epoch sums of the steps read so far. */
  get read(): Readonly<StepSums> {
    return this.sums;
  }

  /** Number of steps whose values have been read. */
  get readSteps(): number {
    return this.stepsRead;
  }

  /**
   * Takes ownership of `values` (float32 [3]: loss, bce, penalty) of step `step`, batch size n:
   * a tensor, or a function that reads them (called at the next read point).
   */
  async add(step: number, values: StepValueSource, n: number): Promise<void> {
    if (this.queued.length === 0) this.firstQueued = step;
    this.queued.push(values);
    this.sizes.push(n);
    if (this.queued.length >= this.readEvery) await this.startRead();
    // A read that has already arrived is taken in at once (fresher progress, no waiting).
    else if (this.pending?.done) await this.settle();
  }

  /** Reads everything still queued; the epoch's sums are then complete. */
  async finish(): Promise<Readonly<StepSums>> {
    await this.startRead();
    await this.settle();
    return this.sums;
  }

  /** Drops queued tensors without reading them (an aborted or failed epoch). */
  dispose(): void {
    for (const v of this.queued) {
      if (v instanceof tf.Tensor) v.dispose();
      else v().catch(() => {}); // lets a replayed step's read buffer go back to its capture
    }
    this.queued = [];
  }

  private async startRead(): Promise<void> {
    // The previous read was started `readEvery` steps ago: by now it is (nearly) done.
    await this.settle();
    if (this.queued.length === 0) return;
    const queued = this.queued;
    const tensors = queued.filter((v): v is tf.Tensor => v instanceof tf.Tensor);
    const stacked = tensors.length > 0 ? tf.stack(tensors) : null;
    tf.dispose(tensors);
    const tensorValues = stacked ? (stacked.data() as Promise<Float32Array>) : null;
    const reads = queued.map((v) => (v instanceof tf.Tensor ? null : v()));
    for (const r of reads) r?.catch(() => {}); // awaited in order below
    const values = (async () => {
      const fromTensors = tensorValues ? await tensorValues : new Float32Array(0);
      const out = new Float32Array(3 * queued.length);
      let t = 0;
      for (let k = 0; k < queued.length; k++) {
        const read = reads[k];
        if (read) out.set((await read).subarray(0, 3), 3 * k);
        else out.set(fromTensors.subarray(3 * t, 3 * ++t), 3 * k);
      }
      return out;
    })();
    const pending: Pending = {
      first: this.firstQueued,
      last: this.firstQueued + queued.length - 1,
      sizes: this.sizes,
      values: values.finally(() => {
        stacked?.dispose();
        pending.done = true;
      }),
      done: false,
    };
    // Awaited later (settle): mark a failed read handled now so Node does not abort on it.
    pending.values.catch(() => {});
    this.pending = pending;
    this.queued = [];
    this.sizes = [];
  }

  private async settle(): Promise<void> {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    const values = await p.values;
    let { loss, bce, penalty, images } = this.sums;
    p.sizes.forEach((n, k) => {
      const [l, b, q] = [values[3 * k]!, values[3 * k + 1]!, values[3 * k + 2]!];
      if (!Number.isFinite(l)) {
        throw new NonFiniteLossError(this.epoch, p.first + k, l, [p.first, p.last]);
      }
      loss += l * n;
      bce += b * n;
      penalty += q * n;
      images += n;
    });
    this.sums = { loss, bce, penalty, images };
    this.stepsRead += p.sizes.length;
  }
}
