import { execFile } from 'node:child_process';

/** Where a Python's TensorFlow lives, found without importing TensorFlow. */
export interface PythonTensorflow {
  python: string;
  pythonVersion: string;
  /** `tf.sysconfig.get_lib()`: the `tensorflow` package directory with the shared libraries. */
  lib: string;
  /** `tf.sysconfig.get_include()`: `<lib>/include`. */
  include: string;
  /** The pip distribution that installed it (`tensorflow`, `tensorflow-cpu`, …) and its version. */
  distribution?: string;
  version?: string;
  /** `site-packages/nvidia/<x>/lib` directories (the CUDA 12 wheels of `tensorflow[and-cuda]`). */
  cudaLibDirs: string[];
}

/**
 * Runs in the user's Python. `importlib.util.find_spec` locates the package without executing
 * it: `tf.sysconfig.get_lib()` is that directory and `get_include()` its `include/`, but
 * `import tensorflow` takes 20 s on our 2-core machine (0.7 s for this script).
 */
export const PROBE_SCRIPT = `
import json, os, sys, importlib.util
out = {"python": sys.executable, "pythonVersion": sys.version.split()[0]}
spec = importlib.util.find_spec("tensorflow")
if spec is None or not spec.submodule_search_locations:
    out["error"] = "no-tensorflow"
else:
    lib = os.path.realpath(list(spec.submodule_search_locations)[0])
    out["lib"] = lib
    out["include"] = os.path.join(lib, "include")
    try:
        import importlib.metadata as md
        for dist in md.packages_distributions().get("tensorflow", []):
            out["distribution"] = md.metadata(dist)["Name"]
            out["version"] = md.version(dist)
            break
    except Exception:
        pass
    nvidia = os.path.join(os.path.dirname(lib), "nvidia")
    dirs = []
    if os.path.isdir(nvidia):
        for name in sorted(os.listdir(nvidia)):
            d = os.path.join(nvidia, name, "lib")
            if os.path.isdir(d):
                dirs.append(d)
    out["cudaLibDirs"] = dirs
print("CIHMLC-PROBE " + json.dumps(out))
`;

export type RunFile = (file: string, args: string[]) => Promise<{ stdout: string; stderr: string }>;

export const runFile: RunFile = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 1 << 24, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });

const INSTALL_HINT =
  'install it into a venv: `python3 -m venv ~/.venv-tf && ~/.venv-tf/bin/pip install tensorflow-cpu` ' +
  '(or `tensorflow[and-cuda]` for CUDA 12 GPUs), then pass --python ~/.venv-tf/bin/python';

/** Parses the probe's output line; throws naming what is wrong. Pure (for the tests). */
export function parseProbeOutput(python: string, stdout: string): PythonTensorflow {
  const line = stdout.split('\n').find((l) => l.startsWith('CIHMLC-PROBE '));
  if (!line) {
    throw new Error(
      `${python} ran but printed no TensorFlow probe result (is it a Python 3 interpreter?); output: ${JSON.stringify(stdout.slice(0, 200))}`,
    );
  }
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line.slice('CIHMLC-PROBE '.length));
  } catch {
    throw new Error(`${python} printed a malformed probe result: ${line.slice(0, 200)}`);
  }
  if (value.error === 'no-tensorflow' || typeof value.lib !== 'string') {
    throw new Error(
      `TensorFlow is not installed for ${String(value.python ?? python)} (Python ${String(value.pythonVersion ?? '?')}): ${INSTALL_HINT}`,
    );
  }
  const result: PythonTensorflow = {
    python: String(value.python ?? python),
    pythonVersion: String(value.pythonVersion ?? ''),
    lib: value.lib,
    include: String(value.include),
    cudaLibDirs: Array.isArray(value.cudaLibDirs) ? value.cudaLibDirs.map(String) : [],
  };
  if (typeof value.distribution === 'string') result.distribution = value.distribution;
  if (typeof value.version === 'string') result.version = value.version;
  return result;
}

/** Finds the TensorFlow of `python` (default `python3` on PATH). Throws saying what is missing. */
export async function findPythonTensorflow(
  python = 'python3',
  run: RunFile = runFile,
): Promise<PythonTensorflow> {
  let stdout: string;
  try {
    ({ stdout } = await run(python, ['-c', PROBE_SCRIPT]));
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT' || e.code === 'EACCES') {
      throw new Error(
        `Python not found: ${python} (${e.code}); pass --python with the interpreter that has TensorFlow, e.g. --python ~/.venv-tf/bin/python`,
      );
    }
    const detail = String(e.stderr ?? e.message)
      .trim()
      .split('\n')
      .at(-1);
    throw new Error(`${python} failed to run the TensorFlow probe: ${detail}`);
  }
  return parseProbeOutput(python, stdout);
}
