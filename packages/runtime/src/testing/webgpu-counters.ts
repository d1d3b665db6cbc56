/**
 * Counts the WebGPU work a tfjs-backend-webgpu backend issues (bench and tests only): dispatches,
 * queue submits, host → GPU uploads (tensors whose values were on the host), bind groups asked for
 * (and, with the bind-group cache, created) and uniform writes. Wraps the backend's device, queue
 * and uploadToGPU on the instance; `uninstall()` puts them back.
 */
export interface WebGpuCounts {
  dispatches: number;
  submits: number;
  uploads: number;
  bindGroupCalls: number;
  writeBuffers: number;
  buffersCreated: number;
  /** Milliseconds spent inside queue.submit (Dawn records the native commands there). */
  submitMs: number;
}

export interface WebGpuCounters {
  /** Counts since install (or the last reset). */
  readonly counts: WebGpuCounts;
  reset(): void;
  uninstall(): void;
}

interface PassLike {
  dispatchWorkgroups(...a: number[]): void;
}
interface EncoderLike {
  beginComputePass(d?: object): PassLike;
}
interface CountedBackend {
  device: Record<string, unknown>;
  queue: Record<string, unknown>;
  tensorMap: { get(id: object): { values?: unknown; resource?: unknown } | undefined };
  uploadToGPU(dataId: object): void;
}

export function installWebGpuCounters(backend: object): WebGpuCounters {
  const be = backend as CountedBackend;
  const device = be.device;
  const queue = be.queue;
  const counts: WebGpuCounts = {
    dispatches: 0,
    submits: 0,
    uploads: 0,
    bindGroupCalls: 0,
    writeBuffers: 0,
    buffersCreated: 0,
    submitMs: 0,
  };
  const restore: Array<() => void> = [];
  const wrap = <T extends Record<string, unknown>>(
    target: T,
    name: string,
    make: (original: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown,
  ) => {
    const had = Object.hasOwn(target, name);
    const original = target[name] as (...a: unknown[]) => unknown;
    (target as Record<string, unknown>)[name] = make(original);
    restore.push(() => {
      if (had) (target as Record<string, unknown>)[name] = original;
      else delete (target as Record<string, unknown>)[name];
    });
  };
  wrap(
    device,
    'createCommandEncoder',
    (original) =>
      function (this: unknown, ...a: unknown[]) {
        const encoder = original.apply(device, a) as EncoderLike;
        const begin = encoder.beginComputePass;
        encoder.beginComputePass = (d?: object) => {
          const pass = begin.call(encoder, d);
          const dispatch = pass.dispatchWorkgroups;
          pass.dispatchWorkgroups = (...xyz: number[]) => {
            counts.dispatches++;
            dispatch.apply(pass, xyz);
          };
          return pass;
        };
        return encoder;
      },
  );
  wrap(device, 'createBindGroup', (original) => (...a: unknown[]) => {
    counts.bindGroupCalls++;
    return original.apply(device, a);
  });
  wrap(device, 'createBuffer', (original) => (...a: unknown[]) => {
    counts.buffersCreated++;
    return original.apply(device, a);
  });
  wrap(queue, 'submit', (original) => (...a: unknown[]) => {
    counts.submits++;
    const t0 = performance.now();
    const result = original.apply(queue, a);
    counts.submitMs += performance.now() - t0;
    return result;
  });
  wrap(queue, 'writeBuffer', (original) => (...a: unknown[]) => {
    counts.writeBuffers++;
    return original.apply(queue, a);
  });
  wrap(be as unknown as Record<string, unknown>, 'uploadToGPU', (original) => (...a: unknown[]) => {
    const data = be.tensorMap.get(a[0] as object);
    if (data && data.resource == null && data.values != null) counts.uploads++;
    return original.apply(be, a);
  });
  return {
    counts,
    reset() {
      for (const k of Object.keys(counts) as Array<keyof WebGpuCounts>) counts[k] = 0;
    },
    uninstall() {
      for (const r of restore.reverse()) r();
    },
  };
}
