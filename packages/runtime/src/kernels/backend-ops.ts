import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;

/**
 * Calls a backend's own registered kernels directly (no autograd tape, no tidy), so that
 * composite kernels can be built from the backend's fast primitives. Every TensorInfo this
 * returns must be released with `release`, except the one handed back as a kernel's output.
 */
export class BackendOps {
  constructor(
    readonly backendName: string,
    readonly backend: tf.KernelBackend,
  ) {}

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: Attrs = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, this.backendName);
    if (kernel === undefined) {
      throw new Error(`Kernel '${kernelName}' is not registered for backend '${this.backendName}'`);
    }
    return kernel.kernelFunc({ inputs, attrs, backend: this.backend }) as TensorInfo;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  stridedSlice(x: TensorInfo, begin: number[], end: number[], strides: number[]): TensorInfo {
    return this.run(
      'StridedSlice',
      { x },
      {
        begin,
        end,
        strides,
        beginMask: 0,
        endMask: 0,
        ellipsisMask: 0,
        newAxisMask: 0,
        shrinkAxisMask: 0,
      },
    );
  }

  concat(xs: TensorInfo[], axis: number): TensorInfo {
    // Concat takes its inputs as an array; the kernel signature types it as a map.
    return this.run('Concat', xs as unknown as Record<string, TensorInfo>, { axis });
  }

  matMul(a: TensorInfo, b: TensorInfo, transposeA = false, transposeB = false): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA, transposeB });
  }

  add(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Add', { a, b });
  }

  /** Stride-1 NHWC Conv2D with explicit [before, after] zero padding of the height and width. */
  conv2dStride1(
    x: TensorInfo,
    filter: TensorInfo,
    padH: [number, number],
    padW: [number, number],
  ): TensorInfo {
    return this.run(
      'Conv2D',
      { x, filter },
      { strides: [1, 1], pad: [[0, 0], padH, padW, [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] },
    );
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  /** True where tensors live in this process's memory (cpu, wasm heap) and can be read as arrays. */
  get hasHostMemory(): boolean {
    return this.backendName === 'cpu' || this.backendName === 'wasm';
  }

  /**
   * A Float32Array over a float32 tensor's storage: the cpu backend's own array, or a view into
   * the wasm heap. A wasm view is invalidated by the next allocation (the heap may grow), so
   * allocate first, then take views.
   */
  hostView(info: TensorInfo): Float32Array {
    if (info.dtype !== 'float32') throw new Error(`hostView: expected float32, got ${info.dtype}`);
    const be = this.backend as unknown as HostBackend;
    if (this.backendName === 'wasm' && be.typedArrayFromHeap) {
      return be.typedArrayFromHeap(info) as Float32Array;
    }
    if (this.backendName === 'cpu' && be.data) {
      const values = be.data.get(info.dataId)?.values;
      if (values instanceof Float32Array) return values;
    }
    throw new Error(`hostView: backend '${this.backendName}' has no host memory`);
  }

  /** Allocates an uninitialised float32 tensor on a host-memory backend. */
  allocateHost(shape: number[]): TensorInfo {
    const be = this.backend as unknown as HostBackend;
    if (this.backendName === 'wasm' && be.makeOutput) return be.makeOutput(shape, 'float32');
    if (this.backendName === 'cpu' && be.makeTensorInfo) {
      const size = shape.reduce((a, b) => a * b, 1);
      return be.makeTensorInfo(shape, 'float32', new Float32Array(size));
    }
    throw new Error(`allocateHost: backend '${this.backendName}' has no host memory`);
  }

  /** Items [start, start+count) along the first axis (a contiguous block). */
  leadingSlice(x: TensorInfo, start: number, count: number): TensorInfo {
    const shape = [count, ...x.shape.slice(1)];
    if (!this.hasHostMemory || x.dtype !== 'float32') {
      return this.slice(x, [start, ...x.shape.slice(1).map(() => 0)], shape);
    }
    const itemSize = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = this.allocateHost(shape);
    this.hostView(out).set(this.hostView(x).subarray(start * itemSize, (start + count) * itemSize));
    return out;
  }

  release(...infos: TensorInfo[]): void {
    for (const info of infos) this.backend.disposeData(info.dataId);
  }
}

/** The parts of MathBackendCPU / BackendWasm that host-memory kernels use (not in the public types). */
interface HostBackend {
  typedArrayFromHeap?(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  makeOutput?(shape: number[], dtype: 'float32'): TensorInfo;
  makeTensorInfo?(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  data?: { get(dataId: object): { values?: unknown } | undefined };
}
