/**
 * HDF5 bytes ↔ plain values through h5wasm, in memory: no file system is touched (h5wasm's
 * in-memory file system holds the bytes while a file is open), so it works in Node and browsers.
 * h5wasm is imported on first use, keeping it out of the start-up of code that never reads HDF5.
 */
import type * as H5 from 'h5wasm';

type H5Wasm = typeof H5.default;
type H5Module = Awaited<H5Wasm['ready']>;

let loading: Promise<{ h5: H5Wasm; module: H5Module }> | undefined;
let fileCounter = 0;

async function h5wasm(): Promise<{ h5: H5Wasm; module: H5Module }> {
  loading ??= import('h5wasm').then(async (imported) => {
    const h5 = (imported.default ?? imported) as H5Wasm;
    return { h5, module: await h5.ready };
  });
  return loading;
}

/** The 8-byte signature every HDF5 file starts with (without a user block). */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && HDF5_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** One dataset: its shape and its values as float32 (as TF.js holds weights). */
export interface H5Array {
  shape: number[];
  /** The stored element type, e.g. `<f` (float32), `<d` (float64). */
  dtype: string;
  values: Float32Array;
}

/** A read-only view of an open HDF5 file. */
export interface H5Reader {
  /** Child names of the group at `path` ('' is the root), or null if there is no such group. */
  groupKeys(path: string): string[] | null;
  /** The attribute of the object at `path` as JSON-compatible data, or undefined. */
  attribute(path: string, name: string): unknown;
  /** The dataset at `path`, or null if there is none. */
  dataset(path: string): H5Array | null;
  /** The dataset's shape without reading its values, or null. */
  datasetShape(path: string): { shape: number[]; dtype: string } | null;
}

function joinPath(path: string, name: string): string {
  return path === '' ? name : `${path}/${name}`;
}

function toFloat32(value: unknown, where: string): Float32Array {
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint8Array) {
    return Float32Array.from(value);
  }
  if (typeof value === 'number') return Float32Array.of(value);
  throw new Error(`${where}: not a numeric dataset`);
}

/**
 * Opens `bytes` as an HDF5 file, runs `read` on it and closes it. `file` names the source in
 * errors. Throws a clear error for bytes that are not HDF5.
 */
export async function withHdf5File<T>(
  bytes: Uint8Array,
  file: string,
  read: (reader: H5Reader) => T,
): Promise<T> {
  if (!isHdf5(bytes)) {
    throw new Error(`${file}: not an HDF5 file (no HDF5 signature at its start)`);
  }
  const { h5, module } = await h5wasm();
  const name = `/cihmlc-read-${++fileCounter}.h5`;
  module.FS.writeFile(name, bytes);
  let handle: H5.File;
  try {
    handle = new h5.File(name, 'r');
  } catch (error) {
    module.FS.unlink(name);
    throw new Error(`${file}: cannot open as HDF5 (${(error as Error).message})`);
  }
  const entity = (path: string) => (path === '' ? handle : handle.get(path));
  const reader: H5Reader = {
    groupKeys(path) {
      const group = entity(path);
      return group instanceof h5.Group ? group.keys() : null;
    },
    attribute(path, attr) {
      const target = entity(path) as H5.Group | H5.Dataset | null;
      if (!target || !('attrs' in target)) return undefined;
      if (!Object.hasOwn(target.attrs, attr)) return undefined;
      return target.get_attribute(attr, true);
    },
    datasetShape(path) {
      const dataset = entity(path);
      if (!(dataset instanceof h5.Dataset)) return null;
      return { shape: dataset.shape ?? [], dtype: String(dataset.dtype) };
    },
    dataset(path) {
      const dataset = entity(path);
      if (!(dataset instanceof h5.Dataset)) return null;
      return {
        shape: dataset.shape ?? [],
        dtype: String(dataset.dtype),
        values: toFloat32(dataset.value, `${file}: ${path}`),
      };
    },
  };
  try {
    return read(reader);
  } finally {
    handle.close();
    module.FS.unlink(name);
  }
}

/** What to write: groups (with string attributes) and float32 datasets, in order. */
export type H5WriteEntry =
  | { kind: 'group'; path: string; attributes?: Record<string, string> }
  | { kind: 'dataset'; path: string; shape: number[]; values: Float32Array };

/** Writes the entries into a new HDF5 file and returns its bytes. */
export async function writeHdf5(entries: readonly H5WriteEntry[]): Promise<Uint8Array> {
  const { h5, module } = await h5wasm();
  const name = `/cihmlc-write-${++fileCounter}.h5`;
  const handle = new h5.File(name, 'w');
  try {
    for (const entry of entries) {
      const slash = entry.path.lastIndexOf('/');
      const parentPath = slash < 0 ? '' : entry.path.slice(0, slash);
      const leaf = entry.path.slice(slash + 1);
      const parent = parentPath === '' ? handle : (handle.get(parentPath) as H5.Group | null);
      if (!(parent instanceof h5.Group)) {
        throw new Error(`writeHdf5: parent group of ${entry.path} does not exist`);
      }
      if (entry.kind === 'group') {
        const group = parent.create_group(leaf);
        for (const [key, value] of Object.entries(entry.attributes ?? {})) {
          group.create_attribute(key, value);
        }
      } else {
        parent.create_dataset({
          name: leaf,
          data: entry.values,
          shape: entry.shape,
          dtype: '<f',
        });
      }
    }
  } catch (error) {
    handle.close();
    module.FS.unlink(name);
    throw error;
  }
  handle.close();
  const bytes = module.FS.readFile(name);
  module.FS.unlink(name);
  return bytes;
}

export { joinPath };
