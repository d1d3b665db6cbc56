import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUIRED_C_API_SYMBOLS } from './c-api-symbols.js';
import {
  findTfjsNodePackage,
  inspectWheel,
  type LinkManifest,
  linkStateOf,
  linkTensorflow,
  nodeGypArguments,
  pointDepsAtWheel,
  type TfjsNodePackage,
} from './link-tensorflow.js';
import type { PythonTensorflow } from './python-tensorflow.js';
import { writeElfFixture } from './testing/elf-fixture.js';

const root = mkdtempSync(path.join(tmpdir(), 'cihmlc-link-'));

/** A fake wheel: headers, and the two libraries as ELF files exporting `symbols` between them. */
function fakeWheel(
  name: string,
  symbols: readonly string[],
  options: { noFramework?: boolean; noHeaders?: boolean } = {},
): PythonTensorflow {
  const lib = path.join(root, name, 'site-packages', 'tensorflow');
  const include = path.join(lib, 'include');
  mkdirSync(path.join(include, 'tensorflow', 'c', 'eager'), { recursive: true });
  if (!options.noHeaders) {
    writeFileSync(path.join(include, 'tensorflow', 'c', 'c_api.h'), '');
    writeFileSync(path.join(include, 'tensorflow', 'c', 'eager', 'c_api.h'), '');
  }
  const half = Math.floor(symbols.length / 2);
  writeElfFixture(path.join(lib, 'libtensorflow_cc.so.2'), symbols.slice(0, half), ['malloc']);
  if (!options.noFramework)
    writeElfFixture(path.join(lib, 'libtensorflow_framework.so.2'), symbols.slice(half));
  return {
    python: '/py',
    pythonVersion: '3.11',
    lib,
    include,
    version: '2.21.0',
    distribution: 'tensorflow-cpu',
    cudaLibDirs: [],
  };
}

/** A fake installed tfjs-node-gpu with a stand-in node-pre-gyp (its `find` gives the load path). */
function fakePackage(name: string): string {
  const project = path.join(root, name);
  const dir = path.join(project, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
  mkdirSync(path.join(dir, 'node_modules', '@mapbox', 'node-pre-gyp'), { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0' }),
  );
  writeFileSync(
    path.join(dir, 'node_modules', '@mapbox', 'node-pre-gyp', 'index.js'),
    "const p = require('path'); exports.find = (pj) => p.join(p.dirname(pj), 'lib', 'napi-v8', 'tfjs_binding.node');",
  );
  return project;
}

describe('inspectWheel', () => {
  it('accepts a wheel whose two libraries together export every C API symbol the binding calls', () => {
    expect(inspectWheel(fakeWheel('complete', REQUIRED_C_API_SYMBOLS))).toEqual([]);
  });

  it('names the missing symbols and the TensorFlow version', () => {
    const symbols = REQUIRED_C_API_SYMBOLS.filter(
      (s) => s !== 'TFE_NewContext' && s !== 'TF_Version',
    );
    const missing = inspectWheel(fakeWheel('old', symbols));
    expect(missing).toEqual([
      expect.stringMatching(
        /C API symbols .* of TensorFlow 2\.21\.0: TFE_NewContext, TF_Version \(use another TensorFlow version\)/,
      ),
    ]);
  });

  it('names missing headers and libraries by path', () => {
    const wheel = fakeWheel('partial', REQUIRED_C_API_SYMBOLS, {
      noFramework: true,
      noHeaders: true,
    });
    const missing = inspectWheel(wheel);
    expect(missing).toHaveLength(3);
    expect(missing[0]).toContain(path.join(wheel.include, 'tensorflow/c/c_api.h'));
    expect(missing[1]).toContain(path.join(wheel.include, 'tensorflow/c/eager/c_api.h'));
    expect(missing[2]).toContain(path.join(wheel.lib, 'libtensorflow_framework.so.2'));
  });

  it('reports a library that is not ELF', () => {
    const wheel = fakeWheel('notelf', REQUIRED_C_API_SYMBOLS);
    writeFileSync(path.join(wheel.lib, 'libtensorflow_cc.so.2'), 'not a library');
    expect(inspectWheel(wheel)).toEqual([
      expect.stringMatching(/libtensorflow_cc\.so\.2 is not an ELF file/),
    ]);
  });
});

describe('linkStateOf', () => {
  const pkg = { name: '@tensorflow/tfjs-node-gpu' as const, version: '4.22.0', napiVersion: 8 };
  const tf = { lib: '/v/tensorflow', version: '2.21.0' };
  const manifest: LinkManifest = {
    package: pkg.name,
    packageVersion: '4.22.0',
    tensorflowLib: '/v/tensorflow',
    tensorflowVersion: '2.21.0',
    napiVersion: 8,
    nodeVersion: 'v20.20.2',
    linkedAt: '2026-12-03T13:00:00Z',
  };
  it('is linked only when package, N-API version, wheel directory and TF version all match', () => {
    expect(linkStateOf(true, manifest, pkg, tf)).toBe('linked');
    expect(linkStateOf(false, manifest, pkg, tf)).toBe('absent');
    expect(linkStateOf(true, undefined, pkg, tf)).toBe('other-binding');
    expect(linkStateOf(true, manifest, pkg, { ...tf, version: '2.20.0' })).toBe('stale');
    expect(linkStateOf(true, manifest, pkg, { ...tf, lib: '/w/tensorflow' })).toBe('stale');
    expect(linkStateOf(true, manifest, { ...pkg, napiVersion: 9 }, tf)).toBe('stale');
    expect(linkStateOf(true, manifest, { ...pkg, version: '4.21.0' }, tf)).toBe('stale');
  });
});

describe('findTfjsNodePackage and pointDepsAtWheel', () => {
  it('finds the package and the path its loader uses, from the first directory that has it', () => {
    const project = fakePackage('project');
    const pkg = findTfjsNodePackage('tfjs-node-gpu', [path.join(root, 'elsewhere'), project]);
    expect(pkg).toEqual({
      name: '@tensorflow/tfjs-node-gpu',
      dir: path.join(project, 'node_modules', '@tensorflow', 'tfjs-node-gpu'),
      version: '4.22.0',
      bindingPath: path.join(
        project,
        'node_modules',
        '@tensorflow',
        'tfjs-node-gpu',
        'lib',
        'napi-v8',
        'tfjs_binding.node',
      ),
      napiVersion: 8,
    });
    expect(() => findTfjsNodePackage('tfjs-node', [project])).toThrow(
      /@tensorflow\/tfjs-node is not installed .*npm i @tensorflow\/tfjs-node@4\.22\.0/,
    );
  });

  it('points deps/include and deps/lib at the wheel, moving a downloaded libtensorflow aside; twice is the same', () => {
    const project = fakePackage('deps');
    const pkg = findTfjsNodePackage('tfjs-node-gpu', [project]) as TfjsNodePackage;
    const wheel = fakeWheel('deps-wheel', REQUIRED_C_API_SYMBOLS);
    mkdirSync(path.join(pkg.dir, 'deps', 'lib'), { recursive: true });
    writeFileSync(path.join(pkg.dir, 'deps', 'lib', 'libtensorflow.so.2.9.1'), 'old');
    const lines: string[] = [];
    for (let i = 0; i < 2; i++) pointDepsAtWheel(pkg, wheel, (l) => lines.push(l));
    expect(readlinkSync(path.join(pkg.dir, 'deps', 'include'))).toBe(wheel.include);
    expect(readlinkSync(path.join(pkg.dir, 'deps', 'lib', 'libtensorflow.so'))).toBe(
      path.join(wheel.lib, 'libtensorflow_cc.so.2'),
    );
    expect(readlinkSync(path.join(pkg.dir, 'deps', 'lib', 'libtensorflow_framework.so'))).toBe(
      path.join(wheel.lib, 'libtensorflow_framework.so.2'),
    );
    expect(
      readFileSync(
        path.join(pkg.dir, 'deps', 'lib.before-cihmlc-link', 'libtensorflow.so.2.9.1'),
        'utf8',
      ),
    ).toBe('old');
    expect(lines).toEqual([
      `moved ${path.join(pkg.dir, 'deps', 'lib')} aside to ${path.join(pkg.dir, 'deps', 'lib.before-cihmlc-link')}`,
    ]);
    expect(lstatSync(path.join(pkg.dir, 'deps', 'lib')).isDirectory()).toBe(true);
  });

  it('builds node-gyp arguments for the N-API version and directory the loader uses', () => {
    const project = fakePackage('args');
    const pkg = findTfjsNodePackage('tfjs-node-gpu', [project]);
    expect(
      nodeGypArguments(pkg, { nodeGyp: '/g/node-gyp.js', nodeDir: '/usr' }, '/v/bin/python'),
    ).toEqual([
      '/g/node-gyp.js',
      'rebuild',
      '--nodedir=/usr',
      '--python=/v/bin/python',
      '--module_name=tfjs_binding',
      `--module_path=${path.dirname(pkg.bindingPath)}`,
      '--napi_build_version=8',
    ]);
  });
});

describe('linkTensorflow', () => {
  it('with a bad Python and no package: builds nothing and lists both, each with how to fix it', async () => {
    const project = path.join(root, 'empty');
    mkdirSync(project, { recursive: true });
    const report = await linkTensorflow({
      python: path.join(root, 'no-python'),
      searchFrom: [project],
    });
    expect(report.ok).toBe(false);
    expect(report.action).toBe('none');
    expect(report.missing).toEqual([
      expect.stringMatching(/@tensorflow\/tfjs-node-gpu is not installed/),
      expect.stringMatching(/Python not found: .*no-python/),
    ]);
  });

  it('with missing symbols: stops before building and leaves the package untouched', async () => {
    const project = fakePackage('nosymbols');
    const wheel = fakeWheel('nosymbols-wheel', REQUIRED_C_API_SYMBOLS.slice(1));
    const run = async () => ({ stdout: `CIHMLC-PROBE ${JSON.stringify(wheel)}\n`, stderr: '' });
    const report = await linkTensorflow({ searchFrom: [project], run });
    expect(report.missing).toEqual([
      expect.stringMatching(new RegExp(`: ${REQUIRED_C_API_SYMBOLS[0]} \\(use another`)),
    ]);
    expect(report.state).toBe('absent');
    expect(
      existsSync(path.join(project, 'node_modules', '@tensorflow', 'tfjs-node-gpu', 'deps')),
    ).toBe(false);
  });

  it('rejects an unknown package name', async () => {
    await expect(linkTensorflow({ package: 'tfjs' as never })).rejects.toThrow(RangeError);
  });
});
