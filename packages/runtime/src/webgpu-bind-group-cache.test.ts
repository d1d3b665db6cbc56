import { describe, expect, it } from 'vitest';
import { bindGroupCacheOf, installBindGroupCache } from './webgpu-bind-group-cache.js';

/** A stand-in WebGPU device and tfjs-style buffer pool that record what reaches them. */
function fakeBackend() {
  const created: Array<{ layout: object; entries: unknown[] }> = [];
  class Device {
    createBindGroup(d: { layout: object; entries: unknown[] }) {
      const group = { n: created.length };
      created.push(d);
      return group;
    }
    createComputePipeline(_d: unknown) {
      // Like Dawn's bindings: a new layout object on every call.
      return { getBindGroupLayout: (i: number) => ({ layoutOf: i }) };
    }
  }
  const device = new Device();
  const buffer = (name: string, size = 64, usage = 8) => {
    const b = {
      name,
      size,
      usage,
      destroyed: false,
      destroy() {
        b.destroyed = true;
      },
    };
    return b;
  };
  // tfjs-backend-webgpu's BufferManager in miniature: stacks of free buffers per size and usage.
  const bufferManager = {
    freeBuffers: new Map<string, object[]>(),
    acquireBuffer(size: number, usage: number) {
      const list = this.freeBuffers.get(`${size}_${usage}`);
      return list && list.length > 0 ? (list.pop() as object) : buffer(`new${size}`, size, usage);
    },
    releaseBuffer(b: { size: number; usage: number; destroy(): void }, reuse = true) {
      if (!reuse) {
        b.destroy();
        return;
      }
      const key = `${b.size}_${b.usage}`;
      if (!this.freeBuffers.has(key)) this.freeBuffers.set(key, []);
      this.freeBuffers.get(key)?.push(b);
    },
  };
  return { backend: { device, bufferManager }, device, created, buffer, bufferManager };
}

describe('installBindGroupCache', () => {
  it('returns the same group for the same layout and buffer entries, a new one otherwise', () => {
    const { backend, device, created, buffer } = fakeBackend();
    const cache = installBindGroupCache(backend);
    expect(installBindGroupCache(backend)).toBe(cache);
    expect(bindGroupCacheOf(device)).toBe(cache);
    const pipeline = device.createComputePipeline({});
    const layout = pipeline.getBindGroupLayout(0);
    expect(pipeline.getBindGroupLayout(0)).toBe(layout); // memoised
    const [a, b, u] = [buffer('a'), buffer('b'), buffer('u')];
    const entries = (x: object, size: number) => [
      { binding: 0, resource: { buffer: x } },
      { binding: 1, resource: { buffer: u, offset: 0, size } },
    ];
    const g1 = device.createBindGroup({ layout, entries: entries(a, 16) });
    const g2 = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: entries(a, 16),
    });
    expect(g2).toBe(g1);
    expect(device.createBindGroup({ layout, entries: entries(b, 16) })).not.toBe(g1);
    expect(device.createBindGroup({ layout, entries: entries(a, 32) })).not.toBe(g1);
    // Another pipeline's layout is another key even with the same entries.
    const other = device.createComputePipeline({}).getBindGroupLayout(0);
    expect(device.createBindGroup({ layout: other, entries: entries(a, 16) })).not.toBe(g1);
    expect(cache.stats).toMatchObject({ hits: 1, misses: 4, bypassed: 0, entries: 4 });
    expect(created).toHaveLength(4);
  });

  it('bypasses unknown layouts and non-buffer entries, forgets groups of destroyed buffers', () => {
    const { backend, device, created, buffer } = fakeBackend();
    const cache = installBindGroupCache(backend);
    const layout = device.createComputePipeline({}).getBindGroupLayout(0);
    const a = buffer('a');
    const foreign = { layoutOf: 0 };
    device.createBindGroup({ layout: foreign, entries: [{ binding: 0, resource: { buffer: a } }] });
    device.createBindGroup({ layout: foreign, entries: [{ binding: 0, resource: { buffer: a } }] });
    const texture = [{ binding: 0, resource: { textureView: true } }];
    device.createBindGroup({ layout, entries: texture });
    device.createBindGroup({ layout, entries: texture });
    expect(cache.stats).toMatchObject({ hits: 0, misses: 0, bypassed: 4 });
    const entries = [{ binding: 0, resource: { buffer: a } }];
    const g = device.createBindGroup({ layout, entries });
    expect(device.createBindGroup({ layout, entries })).toBe(g);
    a.destroy();
    expect(a.destroyed).toBe(true); // the buffer's own destroy still runs
    expect(cache.stats.entries).toBe(0);
    expect(device.createBindGroup({ layout, entries })).not.toBe(g);
    expect(created).toHaveLength(6);
  });

  it('keeps at most maxEntries groups, dropping the oldest', () => {
    const { backend, device, buffer } = fakeBackend();
    const cache = installBindGroupCache(backend, 2);
    const layout = device.createComputePipeline({}).getBindGroupLayout(0);
    const bufs = [buffer('a'), buffer('b'), buffer('c')];
    const groupOf = (b: object) =>
      device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer: b } }] });
    const first = groupOf(bufs[0] as object);
    groupOf(bufs[1] as object);
    groupOf(bufs[2] as object);
    expect(cache.stats.entries).toBe(2);
    expect(groupOf(bufs[0] as object)).not.toBe(first); // evicted, made again
  });

  it('makes the pool hand out its longest-known free buffer, whatever the release order', () => {
    const { backend, bufferManager } = fakeBackend();
    installBindGroupCache(backend);
    type B = Parameters<typeof bufferManager.releaseBuffer>[0];
    const [w, x, y, z] = [1, 2, 3, 4].map(() => bufferManager.acquireBuffer(64, 8)) as B[];
    // Released in different orders, then acquired: oldest first every time.
    for (const order of [
      [x, y, z],
      [z, x, y],
      [y, z, x],
    ]) {
      for (const b of order) bufferManager.releaseBuffer(b as B);
      const got = [1, 2, 3].map(() => bufferManager.acquireBuffer(64, 8));
      expect(got).toEqual([x, y, z]);
    }
    // A destroyed (not reused) buffer stays out of the free list.
    bufferManager.releaseBuffer(w as B, false);
    expect(bufferManager.freeBuffers.get('64_8')).toEqual([]);
  });

  it('uninstall puts the device and pool methods back', () => {
    const { backend, device, bufferManager } = fakeBackend();
    const acquire = bufferManager.acquireBuffer;
    const release = bufferManager.releaseBuffer;
    const cache = installBindGroupCache(backend);
    expect(Object.hasOwn(device, 'createBindGroup')).toBe(true);
    cache.uninstall();
    expect(Object.hasOwn(device, 'createBindGroup')).toBe(false);
    expect(bufferManager.acquireBuffer).toBe(acquire);
    expect(bufferManager.releaseBuffer).toBe(release);
    expect(bindGroupCacheOf(device)).toBeUndefined();
    expect(() => installBindGroupCache({})).toThrow(/no WebGPU device/);
    expect(() => installBindGroupCache({})).toThrow(TypeError);
  });
});
