/**
 * A cache of WebGPU bind groups for tfjs-backend-webgpu. The backend creates a new bind group for
 * every dispatch (DenseNet-121 training at batch 16, 320×320: ~2,900 per step, 37 µs each through
 * Dawn's Node bindings on the lent H100 machine, over a third of the step). A training step binds
 * the same pooled buffers to the same pipelines step after step (the backend's buffer pool hands
 * buffers out in a repeatable order), so the same bind groups recur; a bind group is immutable and
 * may be reused as often as one likes. The cache wraps the device: pipelines memoise their bind
 * group layouts (the backend asks for the layout on every dispatch, and each call returns a new
 * object), and createBindGroup returns the cached group for the same layout and the same
 * (binding, buffer, offset, size) entries. Groups whose entries are not all buffers, or whose
 * layout did not come from a pipeline created after installation, bypass the cache. A buffer's
 * groups leave the cache when it is destroyed; the oldest leave beyond `maxEntries`.
 *
 * The groups recur only if the backend hands out the same buffers step after step. Its pool
 * (BufferManager of tfjs-backend-webgpu 4.22) keeps free buffers in stacks, and a step's releases
 * reorder them, so every step would bind a permutation of the last one's buffers (~5% hits on a
 * DenseNet step). With a pool, the cache therefore also makes the pool hand out, of the free
 * buffers of the requested size and usage, the one it has known longest: a choice that depends only on
 * which buffers are free, not on the order they came back in (80% hits from the fifth step on
 * lavapipe). Which buffer backs a tensor never changes a result.
 */

export interface BindGroupCacheStats {
  hits: number;
  misses: number;
  /** Calls that bypassed the cache (a non-buffer entry, or a layout it does not know). */
  bypassed: number;
  /** Groups held now. */
  readonly entries: number;
}

export interface BindGroupCache {
  readonly stats: BindGroupCacheStats;
  /** Puts the device's own methods back and drops the cached groups. */
  uninstall(): void;
}

interface BufferLike {
  destroy(): void;
}
interface BindGroupEntryLike {
  binding: number;
  resource: unknown;
}
interface BindGroupDescriptorLike {
  layout: object;
  entries: Iterable<BindGroupEntryLike>;
}
interface PipelineLike {
  getBindGroupLayout(index: number): object;
}
interface DeviceLike {
  createBindGroup(descriptor: BindGroupDescriptorLike): unknown;
  createComputePipeline(descriptor: unknown): PipelineLike;
  createComputePipelineAsync?(descriptor: unknown): Promise<PipelineLike>;
}

const installed = new WeakMap<object, BindGroupCache>();

interface PooledBuffer {
  size: number;
  usage: number;
}
interface BufferPoolLike {
  freeBuffers: Map<string, object[]>;
  acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): object;
  releaseBuffer(buffer: PooledBuffer, reuse?: boolean): void;
}

/**
 * Installs the cache on a tfjs-backend-webgpu backend's device (idempotent per device), and the
 * oldest-first choice on its buffer pool where it has one; returns the cache.
 */
export function installBindGroupCache(backend: object, maxEntries = 32768): BindGroupCache {
  const device = (backend as { device?: object }).device;
  if (!device) throw new TypeError('installBindGroupCache: the backend has no WebGPU device');
  const existing = installed.get(device);
  if (existing) return existing;
  const dev = device as DeviceLike;
  const ownNames = [
    'createBindGroup',
    'createComputePipeline',
    'createComputePipelineAsync',
  ].filter((name) => Object.hasOwn(device, name));
  const own = {
    createBindGroup: dev.createBindGroup,
    createComputePipeline: dev.createComputePipeline,
    createComputePipelineAsync: dev.createComputePipelineAsync,
  };
  // Numbers on the objects themselves (a per-installation symbol): cheaper than a WeakMap lookup,
  // and the key of every dispatch needs several.
  const ID = Symbol('bindGroupCacheId');
  let nextId = 1;
  const idOf = (o: object): number => {
    const tagged = o as { [ID]?: number };
    let id = tagged[ID];
    if (id === undefined) {
      id = nextId++;
      tagged[ID] = id;
    }
    return id;
  };
  const knownLayouts = new WeakSet<object>();
  const groups = new Map<string, { group: unknown; buffers: BufferLike[] }>();
  const keysOfBuffer = new WeakMap<BufferLike, Set<string>>();
  const stats: BindGroupCacheStats = {
    hits: 0,
    misses: 0,
    bypassed: 0,
    get entries() {
      return groups.size;
    },
  };

  const forget = (key: string) => {
    const entry = groups.get(key);
    if (!entry) return;
    groups.delete(key);
    for (const b of entry.buffers) keysOfBuffer.get(b)?.delete(key);
  };
  const watch = (buffer: BufferLike, key: string) => {
    let keys = keysOfBuffer.get(buffer);
    if (!keys) {
      const keySet = new Set<string>();
      keys = keySet;
      keysOfBuffer.set(buffer, keySet);
      const destroy = buffer.destroy;
      buffer.destroy = function (this: BufferLike) {
        for (const k of [...keySet]) forget(k);
        return destroy.call(this);
      };
    }
    keys.add(key);
  };
  const memoiseLayouts = (pipeline: PipelineLike): PipelineLike => {
    const layouts = new Map<number, object>();
    const get = pipeline.getBindGroupLayout;
    pipeline.getBindGroupLayout = (index: number) => {
      let layout = layouts.get(index);
      if (!layout) {
        layout = get.call(pipeline, index);
        layouts.set(index, layout);
        knownLayouts.add(layout);
      }
      return layout;
    };
    return pipeline;
  };

  const pool = (backend as { bufferManager?: Partial<BufferPoolLike> }).bufferManager;
  const poolAcquire = pool?.acquireBuffer;
  const poolRelease = pool?.releaseBuffer;
  if (pool && poolAcquire && poolRelease && pool.freeBuffers instanceof Map) {
    // Free lists sorted newest first, so the pool's pop() hands out the oldest buffer.
    const byAgeDescending = (a: object, b: object) => idOf(b) - idOf(a);
    for (const list of pool.freeBuffers.values()) list.sort(byAgeDescending);
    pool.acquireBuffer = (size, usage, mappedAtCreation = false, reuse = true) => {
      const buffer = poolAcquire.call(pool, size, usage, mappedAtCreation, reuse);
      idOf(buffer); // numbered when first handed out: the oldest has the smallest number
      return buffer;
    };
    pool.releaseBuffer = (buffer, reuse = true) => {
      poolRelease.call(pool, buffer, reuse);
      // The pool pushed it last (unless it destroyed it): move it to its place by age. freeBuffers
      // is read on every call, as the pool replaces the map when it is disposed.
      const list = (pool.freeBuffers as Map<string, object[]>).get(
        `${buffer.size}_${buffer.usage}`,
      );
      if (!list || list[list.length - 1] !== buffer) return;
      const id = idOf(buffer);
      let lo = 0;
      let hi = list.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (idOf(list[mid] as object) > id) lo = mid + 1;
        else hi = mid;
      }
      if (lo < list.length - 1) {
        list.pop();
        list.splice(lo, 0, buffer);
      }
    };
  }

  dev.createComputePipeline = (descriptor: unknown) =>
    memoiseLayouts(own.createComputePipeline.call(dev, descriptor));
  if (own.createComputePipelineAsync) {
    const createAsync = own.createComputePipelineAsync;
    dev.createComputePipelineAsync = async (descriptor: unknown) =>
      memoiseLayouts(await createAsync.call(dev, descriptor));
  }
  dev.createBindGroup = (descriptor: BindGroupDescriptorLike) => {
    const create = () => own.createBindGroup.call(dev, descriptor);
    if (!knownLayouts.has(descriptor.layout)) {
      stats.bypassed++;
      return create();
    }
    let key = String(idOf(descriptor.layout));
    const buffers: BufferLike[] = [];
    for (const { binding, resource } of descriptor.entries) {
      const r = resource as { buffer?: BufferLike; offset?: number; size?: number } | null;
      if (r === null || typeof r !== 'object' || !r.buffer || typeof r.buffer !== 'object') {
        stats.bypassed++;
        return create();
      }
      key += `|${binding}:${idOf(r.buffer)}:${r.offset ?? ''}:${r.size ?? ''}`;
      buffers.push(r.buffer);
    }
    const cached = groups.get(key);
    if (cached) {
      stats.hits++;
      return cached.group;
    }
    stats.misses++;
    const group = create();
    if (groups.size >= maxEntries) forget(groups.keys().next().value as string);
    groups.set(key, { group, buffers });
    for (const b of buffers) watch(b, key);
    return group;
  };

  const cache: BindGroupCache = {
    stats,
    uninstall() {
      // Back to the prototype's methods (or the instance's own, where it had them).
      const d = device as Record<string, unknown>;
      for (const name of [
        'createBindGroup',
        'createComputePipeline',
        'createComputePipelineAsync',
      ]) {
        if (ownNames.includes(name)) d[name] = own[name as keyof typeof own];
        else delete d[name];
      }
      for (const key of [...groups.keys()]) forget(key);
      if (pool && poolAcquire && poolRelease) {
        pool.acquireBuffer = poolAcquire;
        pool.releaseBuffer = poolRelease;
      }
      installed.delete(device);
    },
  };
  installed.set(device, cache);
  return cache;
}

/** The cache installed on `device`, if any. */
export function bindGroupCacheOf(device: object): BindGroupCache | undefined {
  return installed.get(device);
}
