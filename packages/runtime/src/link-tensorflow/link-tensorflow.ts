import { execFile } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomicSync } from '@cihmlc/internal/node';
import { missingSymbols } from './c-api-symbols.js';
import { readDynamicSymbols } from './elf-symbols.js';
import { findPythonTensorflow, type PythonTensorflow, type RunFile } from './python-tensorflow.js';
import {
  findToolchain,
  hostEnvironment,
  type Toolchain,
  type ToolchainOverrides,
} from './toolchain.js';

export const LINKABLE_PACKAGES = ['tfjs-node-gpu', 'tfjs-node'] as const;
export type LinkablePackage = (typeof LINKABLE_PACKAGES)[number];

/** The wheel files the binding compiles and links against (relative to `tf.sysconfig`'s dirs). */
export const WHEEL_LIBRARIES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'] as const;
export const WHEEL_HEADERS = ['tensorflow/c/c_api.h', 'tensorflow/c/eager/c_api.h'] as const;
/** Written beside the binding: what it was built against (the idempotency record). */
export const MANIFEST_NAME = 'cihmlc-link.json';

/** An installed tfjs-node(-gpu) and where its loader looks for the binding. */
export interface TfjsNodePackage {
  name: `@tensorflow/${LinkablePackage}`;
  dir: string;
  version: string;
  /** What `@mapbox/node-pre-gyp`'s `find` returns, i.e. where tfjs-node's index.js loads it. */
  bindingPath: string;
  napiVersion: number;
}

export interface LinkManifest {
  package: string;
  packageVersion: string;
  tensorflowLib: string;
  tensorflowVersion: string | null;
  napiVersion: number;
  nodeVersion: string;
  linkedAt: string;
}

export interface Verification {
  backend: string;
  tfVersion: string;
  devices: string[];
  /** max |tensorflow − cpu| / max |cpu| over a 16×24 @ 24×8 matmul. */
  matmulRelativeError: number;
}

export interface LinkOptions {
  python?: string;
  package?: LinkablePackage;
  /** Report only; build nothing. */
  check?: boolean;
  /** Rebuild even when the manifest says it is linked. */
  force?: boolean;
  /** Directories to resolve the package from (default: this package, then the cwd). */
  searchFrom?: string[];
  toolchain?: ToolchainOverrides;
  log?: (line: string) => void;
  run?: RunFile;
}

export type LinkState = 'linked' | 'stale' | 'other-binding' | 'absent';

export interface LinkReport {
  ok: boolean;
  package?: TfjsNodePackage;
  tensorflow?: PythonTensorflow;
  missing: string[];
  state?: LinkState;
  action: 'none' | 'built' | 'already-linked' | 'check';
  verification?: Verification;
}

function fail(message: string): never {
  throw new Error(message);
}

/** The first `<dir>/<relative>` that exists, from `start` up to the root (realpath). */
function findUp(start: string, relative: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Resolves `@tensorflow/<name>` as Node would from the first directory that has it (no NODE_PATH). */
export function findTfjsNodePackage(name: LinkablePackage, searchFrom: string[]): TfjsNodePackage {
  for (const from of searchFrom) {
    const packageJson = findUp(
      from,
      path.join('node_modules', '@tensorflow', name, 'package.json'),
    );
    if (!packageJson) continue;
    const dir = path.dirname(packageJson);
    const meta = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
    const preGyp = createRequire(packageJson)('@mapbox/node-pre-gyp') as {
      find: (packageJson: string) => string;
    };
    const bindingPath = preGyp.find(packageJson);
    const napi = /napi-v(\d+)/.exec(bindingPath)?.[1];
    if (!napi) fail(`cannot tell the N-API version from ${name}'s binding path ${bindingPath}`);
    return {
      name: `@tensorflow/${name}`,
      dir,
      version: meta.version,
      bindingPath,
      napiVersion: Number(napi),
    };
  }
  return fail(
    `@tensorflow/${name} is not installed (looked from ${searchFrom.join(', ')}): \`npm i @tensorflow/${name}@4.22.0\` (its install script may fail to download libtensorflow; that is fine, this command replaces it)`,
  );
}

/** Missing headers, libraries and C API symbols of a TensorFlow wheel, one line each. */
export function inspectWheel(
  tensorflow: Pick<PythonTensorflow, 'lib' | 'include' | 'version'>,
): string[] {
  const missing: string[] = [];
  for (const header of WHEEL_HEADERS) {
    const file = path.join(tensorflow.include, header);
    if (!existsSync(file))
      missing.push(
        `TensorFlow C API header ${file} (the wheel has no C headers; install tensorflow ≥ 2.x from pip)`,
      );
  }
  const libraries = WHEEL_LIBRARIES.map((name) => path.join(tensorflow.lib, name));
  const absent = libraries.filter((file) => !existsSync(file));
  for (const file of absent) {
    missing.push(
      `TensorFlow library ${file} (TensorFlow ${tensorflow.version ?? '?'} does not ship it; use a tensorflow / tensorflow-cpu wheel ≥ 2.9)`,
    );
  }
  if (absent.length) return missing;
  const symbolSets: Set<string>[] = [];
  for (const file of libraries) {
    try {
      symbolSets.push(readDynamicSymbols(file));
    } catch (error) {
      missing.push(`readable symbols: ${(error as Error).message}`);
    }
  }
  if (symbolSets.length < libraries.length) return missing;
  const lacking = missingSymbols(symbolSets);
  if (lacking.length) {
    missing.push(
      `C API symbols the binding calls, not exported by ${WHEEL_LIBRARIES.join(' or ')} of TensorFlow ${tensorflow.version ?? '?'}: ${lacking.join(', ')} (use another TensorFlow version)`,
    );
  }
  return missing;
}

function manifestPath(pkg: TfjsNodePackage): string {
  return path.join(path.dirname(pkg.bindingPath), MANIFEST_NAME);
}

export function readManifest(pkg: TfjsNodePackage): LinkManifest | undefined {
  try {
    return JSON.parse(readFileSync(manifestPath(pkg), 'utf8')) as LinkManifest;
  } catch {
    return undefined;
  }
}

/** Compares what is installed with what this TensorFlow and Node would build. Pure. */
export function linkStateOf(
  bindingExists: boolean,
  manifest: LinkManifest | undefined,
  pkg: Pick<TfjsNodePackage, 'name' | 'version' | 'napiVersion'>,
  tensorflow: Pick<PythonTensorflow, 'lib' | 'version'>,
): LinkState {
  if (!bindingExists) return 'absent';
  if (!manifest) return 'other-binding';
  const same =
    manifest.package === pkg.name &&
    manifest.packageVersion === pkg.version &&
    manifest.napiVersion === pkg.napiVersion &&
    manifest.tensorflowLib === tensorflow.lib &&
    manifest.tensorflowVersion === (tensorflow.version ?? null);
  return same ? 'linked' : 'stale';
}

/** Replaces `link` by a symlink to `target` unless it already is one; moves real files aside. */
function pointAt(link: string, target: string, log: (line: string) => void): void {
  let stat: ReturnType<typeof lstatSync> | undefined;
  try {
    stat = lstatSync(link);
  } catch {}
  if (stat?.isSymbolicLink()) {
    if (readlinkSync(link) === target) return;
    rmSync(link);
  } else if (stat) {
    moveAside(link, log);
  }
  symlinkSync(target, link);
}

function moveAside(file: string, log: (line: string) => void): void {
  const aside = `${file}.before-cihmlc-link`;
  rmSync(aside, { recursive: true, force: true });
  renameSync(file, aside);
  log(`moved ${file} aside to ${aside}`);
}

/**
 * deps/include → the wheel's include/; deps/lib/libtensorflow.so and libtensorflow_framework.so
 * → the wheel's libraries (link time only: at run time the binding finds the wheel's .so.2 files
 * through a RUNPATH to the wheel's own directory, so their $ORIGIN-relative RUNPATHs, e.g. to
 * tensorflow[and-cuda]'s nvidia/*\/lib, keep working).
 */
export function pointDepsAtWheel(
  pkg: TfjsNodePackage,
  tensorflow: PythonTensorflow,
  log: (line: string) => void,
): void {
  const deps = path.join(pkg.dir, 'deps');
  mkdirSync(deps, { recursive: true });
  pointAt(path.join(deps, 'include'), tensorflow.include, log);
  const lib = path.join(deps, 'lib');
  const libStat = existsSync(lib) ? lstatSync(lib) : undefined;
  if (libStat && (!libStat.isDirectory() || !existsSync(path.join(lib, '.cihmlc-link')))) {
    moveAside(lib, log); // e.g. a downloaded libtensorflow 2.9.1
  }
  mkdirSync(lib, { recursive: true });
  writeFileSync(path.join(lib, '.cihmlc-link'), `${tensorflow.lib}\n`);
  pointAt(
    path.join(lib, 'libtensorflow.so'),
    path.join(tensorflow.lib, 'libtensorflow_cc.so.2'),
    log,
  );
  pointAt(
    path.join(lib, 'libtensorflow_framework.so'),
    path.join(tensorflow.lib, 'libtensorflow_framework.so.2'),
    log,
  );
}

/** node-gyp's arguments for the binding (pure). */
export function nodeGypArguments(
  pkg: TfjsNodePackage,
  toolchain: Required<Pick<Toolchain, 'nodeGyp' | 'nodeDir'>>,
  python: string,
): string[] {
  return [
    toolchain.nodeGyp,
    'rebuild',
    `--nodedir=${toolchain.nodeDir}`,
    `--python=${python}`,
    '--module_name=tfjs_binding',
    `--module_path=${path.dirname(pkg.bindingPath)}`,
    `--napi_build_version=${pkg.napiVersion}`,
  ];
}

function runBuild(
  pkg: TfjsNodePackage,
  toolchain: Toolchain,
  tensorflow: PythonTensorflow,
): Promise<void> {
  const args = nodeGypArguments(pkg, toolchain as Required<Toolchain>, tensorflow.python);
  const env = {
    ...process.env,
    CXX: toolchain.cxx,
    LDFLAGS: `${process.env.LDFLAGS ?? ''} -Wl,-rpath,${tensorflow.lib}`.trim(),
  };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: pkg.dir, env, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        const log = `${stdout}\n${stderr}`;
        try {
          mkdirSync(path.join(pkg.dir, 'build'), { recursive: true });
          writeFileSync(path.join(pkg.dir, 'build', 'cihmlc-link.log'), log);
        } catch {}
        if (!error) return resolve();
        const tail = log.trim().split('\n').slice(-15).join('\n');
        reject(
          new Error(
            `node-gyp failed building ${pkg.name}'s binding (full log: ${path.join(pkg.dir, 'build', 'cihmlc-link.log')}):\n${tail}`,
          ),
        );
      },
    );
  });
}

/** Loads the package in a child process and compares a matmul with TF.js's cpu backend. */
export const VERIFY_SCRIPT = `
const tf = require(process.argv[1]);
(async () => {
  const backend = tf.getBackend();
  const be = tf.backend();
  const a = Array.from({ length: 16 * 24 }, (_, i) => Math.sin(i * 0.37) * 3);
  const b = Array.from({ length: 24 * 8 }, (_, i) => Math.cos(i * 0.11) - 0.25);
  const onTf = await tf.matMul(tf.tensor2d(a, [16, 24]), tf.tensor2d(b, [24, 8])).data();
  await tf.setBackend('cpu');
  const onCpu = await tf.matMul(tf.tensor2d(a, [16, 24]), tf.tensor2d(b, [24, 8])).data();
  let diff = 0, scale = 0;
  for (let i = 0; i < onCpu.length; i++) { diff = Math.max(diff, Math.abs(onTf[i] - onCpu[i])); scale = Math.max(scale, Math.abs(onCpu[i])); }
  const err = diff / scale;
  const out = { backend, tfVersion: be.binding && be.binding.TF_Version, devices: [be.isUsingGpuDevice ? 'GPU (CUDA)' : 'CPU'], matmulRelativeError: err };
  console.log('CIHMLC-VERIFY ' + JSON.stringify(out));
})().catch((e) => console.log('CIHMLC-VERIFY ' + JSON.stringify({ error: String((e && e.message) || e).split('\\n')[0] })));
`;

export function verifyLink(pkg: TfjsNodePackage): Promise<Verification> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', VERIFY_SCRIPT, pkg.dir],
      { maxBuffer: 1 << 24, timeout: 300_000 },
      (error, stdout, stderr) => {
        const line = String(stdout)
          .split('\n')
          .find((l) => l.startsWith('CIHMLC-VERIFY '));
        const value = line
          ? (JSON.parse(line.slice(14)) as Verification & { error?: string })
          : undefined;
        const why =
          value?.error ??
          (error
            ? String(stderr || error.message)
                .trim()
                .split('\n')
                .slice(-3)
                .join(' ')
            : 'no result');
        if (!value || value.error)
          return reject(new Error(`loading ${pkg.name} with the linked binding failed: ${why}`));
        if (value.backend !== 'tensorflow')
          return reject(
            new Error(`${pkg.name} loaded but TF.js is on '${value.backend}', not 'tensorflow'`),
          );
        if (!(value.matmulRelativeError <= 1e-5)) {
          return reject(
            new Error(
              `the linked tensorflow backend's matmul differs from cpu by ${value.matmulRelativeError} (relative)`,
            ),
          );
        }
        resolve(value);
      },
    );
  });
}

function defaultSearchFrom(): string[] {
  return [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
}

/**
 * `cihmlc-runtime link-tensorflow`: builds @tensorflow/tfjs-node(-gpu)'s native binding against
 * the TensorFlow that a Python already has and verifies it. Idempotent; `check` only reports.
 * `report.missing` lists everything that stops it (each line says how to get it).
 */
export async function linkTensorflow(options: LinkOptions = {}): Promise<LinkReport> {
  const log = options.log ?? (() => {});
  const packageName = options.package ?? 'tfjs-node-gpu';
  if (!LINKABLE_PACKAGES.includes(packageName)) {
    throw new RangeError(
      `--package must be one of ${LINKABLE_PACKAGES.join(', ')}; got ${JSON.stringify(packageName)}`,
    );
  }
  const report: LinkReport = { ok: false, missing: [], action: options.check ? 'check' : 'none' };
  if (process.platform !== 'linux') {
    report.missing.push(
      `Linux: linking to a pip TensorFlow is supported on Linux only (this is ${process.platform})`,
    );
    return report;
  }
  try {
    report.package = findTfjsNodePackage(packageName, options.searchFrom ?? defaultSearchFrom());
    log(
      `${report.package.name} ${report.package.version} at ${report.package.dir}; binding ${report.package.bindingPath} (N-API ${report.package.napiVersion})`,
    );
  } catch (error) {
    report.missing.push((error as Error).message);
  }
  try {
    report.tensorflow = await findPythonTensorflow(options.python, options.run);
    const t = report.tensorflow;
    log(
      `TensorFlow ${t.version ?? '?'} (${t.distribution ?? 'unknown distribution'}) of ${t.python}: lib ${t.lib}`,
    );
    if (t.cudaLibDirs.length) log(`CUDA wheels: ${t.cudaLibDirs.join(':')}`);
    report.missing.push(...inspectWheel(t));
  } catch (error) {
    report.missing.push((error as Error).message);
  }
  const pkg = report.package;
  const tensorflow = report.tensorflow;
  if (pkg && tensorflow) {
    report.state = linkStateOf(existsSync(pkg.bindingPath), readManifest(pkg), pkg, tensorflow);
    log(`state: ${report.state}`);
  }
  const linked = report.state === 'linked' && !options.force;
  const toolchain = linked ? undefined : findToolchain(hostEnvironment(), options.toolchain);
  if (toolchain) report.missing.push(...toolchain.missing);
  if (report.missing.length || !pkg || !tensorflow) return report;

  if (!linked && !options.check && toolchain) {
    pointDepsAtWheel(pkg, tensorflow, log);
    log(
      `building ${pkg.name}'s binding with ${toolchain.nodeGyp} (nodedir ${toolchain.nodeDir}, ${toolchain.cxx})`,
    );
    const started = Date.now();
    await runBuild(pkg, toolchain, tensorflow);
    const manifest: LinkManifest = {
      package: pkg.name,
      packageVersion: pkg.version,
      tensorflowLib: tensorflow.lib,
      tensorflowVersion: tensorflow.version ?? null,
      napiVersion: pkg.napiVersion,
      nodeVersion: process.version,
      linkedAt: new Date().toISOString(),
    };
    const file = manifestPath(pkg);
    writeJsonAtomicSync(file, manifest);
    log(`built ${pkg.bindingPath} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    report.action = 'built';
    report.state = 'linked';
  } else if (linked) {
    log(`already linked: ${pkg.bindingPath} was built against ${tensorflow.lib}`);
    report.action = options.check ? 'check' : 'already-linked';
  }
  if (report.state !== 'linked') {
    log(`not linked (${report.state}); run without --check to build`);
    return report;
  }
  report.verification = await verifyLink(pkg);
  const v = report.verification;
  log(
    `verified: tf.getBackend() === 'tensorflow', TensorFlow ${v.tfVersion} on ${v.devices.join(', ')}, matmul vs cpu ${v.matmulRelativeError.toExponential(1)} relative`,
  );
  if (
    pkg.name.endsWith('-gpu') &&
    !v.devices.some((d) => d.startsWith('GPU')) &&
    tensorflow.cudaLibDirs.length
  ) {
    log(
      `no GPU in use: if a CUDA 12 GPU is present, run with LD_LIBRARY_PATH=${tensorflow.cudaLibDirs.join(':')}`,
    );
  }
  report.ok = true;
  return report;
}
