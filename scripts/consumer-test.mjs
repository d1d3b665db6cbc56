#!/usr/bin/env node
// Packs every public package, installs the tarballs into a fresh project outside the workspace
// and imports each one from ESM and from CommonJS, then runs a smoke call per package.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = path.join(root, 'packages');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-consumer-'));
const tarballs = path.join(work, 'tarballs');
const project = path.join(work, 'project');
fs.mkdirSync(tarballs);
fs.mkdirSync(project);

const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const packages = fs
  .readdirSync(packagesDir)
  .map((dir) => ({
    dir: path.join(packagesDir, dir),
    json: JSON.parse(fs.readFileSync(path.join(packagesDir, dir, 'package.json'), 'utf8')),
  }))
  .filter((p) => !p.json.private);

const deps = {};
for (const p of packages) {
  if (!fs.existsSync(path.join(p.dir, 'dist')))
    throw new Error(`${p.json.name}: not built (run pnpm build first)`);
  const out = run('pnpm', ['pack', '--pack-destination', tarballs], p.dir).trim().split('\n').pop();
  const file = path.isAbsolute(out) ? out : path.join(tarballs, path.basename(out));
  deps[p.json.name] = `file:${file}`;
  console.log(`packed ${p.json.name} → ${path.basename(file)}`);
}
// Peer dependencies a user installs next to our packages.
const peers = {};
for (const p of packages) Object.assign(peers, p.json.peerDependencies ?? {});
fs.writeFileSync(
  path.join(project, 'package.json'),
  JSON.stringify(
    { name: 'consumer', private: true, dependencies: { ...deps, ...peers }, overrides: deps },
    null,
    2,
  ),
);
console.log(`installing into ${project}`);
run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], project);

// Workspace-private packages are bundled into each build: nothing installed may name them.
const installed = path.join(project, 'node_modules', '@cihmlc');
for (const p of packages) {
  const dir = path.join(installed, p.json.name.split('/')[1]);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const runtimeDeps = {
    ...json.dependencies,
    ...json.peerDependencies,
    ...json.optionalDependencies,
  };
  const leaks = Object.keys(runtimeDeps).filter((d) => d === '@cihmlc/internal');
  const walk = (d) =>
    fs
      .readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  for (const file of walk(path.join(dir, 'dist'))) {
    if (!file.endsWith('.map') && fs.readFileSync(file, 'utf8').includes('@cihmlc/internal'))
      leaks.push(path.relative(dir, file));
  }
  if (leaks.length > 0)
    throw new Error(`${p.json.name} refers to @cihmlc/internal: ${leaks.join(', ')}`);
}

// Every entry: the main one and subpaths such as `@cihmlc/densenet/node`.
const names = packages.flatMap((p) => [
  p.json.name,
  ...Object.keys(p.json.exports ?? {})
    .filter((key) => key !== '.' && key !== './package.json')
    .map((key) => `${p.json.name}${key.slice(1)}`),
]);
const esm = `
const names = ${JSON.stringify(names)};
const out = {};
for (const n of names) out[n] = Object.keys(await import(n)).filter((k) => k !== 'default').sort();
const { chexpertTaxonomy, deriveLabels } = await import('@cihmlc/taxonomy');
const row = deriveLabels([[0,0,0,0,0,0,0,0,0,0,0,0,0,0]], chexpertTaxonomy)[0];
if (row[chexpertTaxonomy.outputLabels.indexOf('Uncertain')] !== 1) throw new Error('taxonomy smoke call failed');
const tf = await import('@tensorflow/tfjs');
await tf.setBackend('cpu');
const { hbceLoss } = await import('@cihmlc/hbce-loss');
const loss = hbceLoss({ taxonomy: chexpertTaxonomy, penalty: 'fixed' });
const v = loss(tf.zeros([1, 21]), tf.fill([1, 21], 0.5)).dataSync()[0];
if (!(Math.abs(v - Math.log(2)) < 1e-5)) throw new Error('hbce-loss smoke call gave ' + v);
// @cihmlc/metrics' README example: the reference predictions ship in the tarball.
const metrics = await import('@cihmlc/metrics');
const { readPredictionsFile } = metrics.readPredictionsFile ? metrics : await import('@cihmlc/metrics/node');
const { fileURLToPath } = await import('node:url');
const fixture = fileURLToPath(new URL('./fixtures/reference-predictions/test-predictions.csv', import.meta.resolve('@cihmlc/metrics/package.json')));
const weighted = metrics.evaluate(await readPredictionsFile(fixture)).average.weighted;
if (weighted?.toFixed(4) !== '0.9034') throw new Error('metrics README example gave weighted AUROC ' + weighted);
console.log(JSON.stringify(out));
`;
const cjs = `
const names = ${JSON.stringify(names)};
const out = {};
for (const n of names) out[n] = Object.keys(require(n)).filter((k) => k !== 'default').sort();
const { chexpertTaxonomy } = require('@cihmlc/taxonomy');
if (chexpertTaxonomy.outputLabels.length !== 21) throw new Error('taxonomy CJS smoke failed');
console.log(JSON.stringify(out));
`;
fs.writeFileSync(path.join(project, 'esm.mjs'), esm);
fs.writeFileSync(path.join(project, 'cjs.cjs'), cjs);
const fromEsm = JSON.parse(run('node', ['esm.mjs'], project).trim().split('\n').pop());
const fromCjs = JSON.parse(run('node', ['cjs.cjs'], project).trim().split('\n').pop());
let failed = 0;
for (const n of names) {
  const a = fromEsm[n];
  const b = fromCjs[n];
  const ok = a.length > 0 && JSON.stringify(a) === JSON.stringify(b);
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${n}: ${a.length} exports (ESM) / ${b.length} (CJS)`);
}
fs.rmSync(work, { recursive: true, force: true });
console.log(`consumer test: ${names.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
