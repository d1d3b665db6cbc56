// Model load time and time to first prediction of the web viewer in headless Chromium on the wasm
// backend: the default run's model (tiny DenseNet at 64 px: apps/viewer/public/model when
// exported there, else the same architecture saved here) and DenseNet-121 at 320 px (the paper's
// model, random weights: load and prediction times do not depend on the values). A benchmark, not
// a test: prints a table. Run after `pnpm build`: `pnpm --filter viewer bench [--runs N]`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countParams, createClassifier } from '@cihmlc/densenet';
import { saveModel } from '@cihmlc/densenet/node';
import { chexpertTaxonomy } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import { chromium } from 'playwright-core';
import {
  buildApp,
  chromiumVersion,
  findChromium,
  serve,
  syntheticRadiograph,
  viewerRoot,
} from '../e2e/harness.mjs';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;

const found = findChromium();
if (!found.path) {
  console.log(`viewer bench skipped: ${found.reason}`);
  process.exit(0);
}

/** Saves a classifier with a cihmlc-model.json like `trainer export` writes. */
async function saveFolder(dir, variant, size, name) {
  await tf.setBackend('cpu');
  const model = createClassifier({
    variant,
    inputShape: [size, size, 3],
    numOutputs: chexpertTaxonomy.outputLabels.length,
    seed: 1,
  });
  const params = countParams(model).total;
  await saveModel(model, dir);
  model.dispose();
  const manifest = {
    format: 'cihmlc-model',
    version: 1,
    model: 'model.json',
    labels: chexpertTaxonomy.outputLabels,
    labelSet: 'hierarchical21',
    taxonomy: chexpertTaxonomy,
    inputShape: [size, size, 3],
    gradCamLayer: 'top_conv2d',
    mcDropout: { samples: 10, seed: 2408 },
    variant,
    run: { name, checkpoint: 'random weights (benchmark)' },
    metrics: { test: null, perLabelAuroc: null },
  };
  fs.writeFileSync(path.join(dir, 'cihmlc-model.json'), JSON.stringify(manifest));
  return params;
}

function folderBytes(dir) {
  return fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-viewer-bench-'));
const models = [];
const exported = path.join(viewerRoot, 'public/model');
if (fs.existsSync(path.join(exported, 'cihmlc-model.json'))) {
  const info = JSON.parse(fs.readFileSync(path.join(exported, 'cihmlc-model.json'), 'utf8'));
  models.push({
    name: `default run (${info.variant}, ${info.inputShape[0]} px, exported)`,
    dir: exported,
  });
} else {
  const dir = path.join(work, 'default');
  await saveFolder(dir, 'tiny', 64, 'default architecture');
  models.push({ name: 'default run architecture (tiny, 64 px)', dir });
}
{
  const dir = path.join(work, 'densenet121');
  await saveFolder(dir, 'densenet121', 320, 'DenseNet-121');
  models.push({ name: 'DenseNet-121, 320 px', dir });
}

const appDir = await buildApp();
const mounts = { '/app/': appDir };
models.forEach((m, i) => {
  mounts[`/m${i}/`] = m.dir;
});
const server = await serve(mounts);
const image = await syntheticRadiograph(512, 512);
const browser = await chromium.launch({
  executablePath: found.path,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});

const rows = [];
try {
  for (const [i, m] of models.entries()) {
    const samples = { load: [], predict: [], mc: [] };
    for (let r = 0; r < RUNS; r++) {
      // A fresh context each run: nothing cached (the server also says no-store).
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('console', (msg) => {
        if (msg.type() === 'error') console.error(`${m.name}: page error: ${msg.text()}`);
      });
      page.on('pageerror', (error) => console.error(`${m.name}: page error: ${error.message}`));
      console.error(`${m.name}: run ${r + 1}/${RUNS}`);
      await page.goto(`${server.origin}/app/?model=/m${i}/&backend=wasm`);
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', {
        timeout: 300_000,
      });
      if ((await page.getAttribute('body', 'data-state')) === 'error') {
        throw new Error(`${m.name}: ${await page.textContent('#error')}`);
      }
      await page.setInputFiles('#file', { name: 'x.png', mimeType: 'image/png', buffer: image });
      await page.waitForSelector('body[data-state="analysed"], body[data-state="error"]', {
        timeout: 600_000,
      });
      const t = await page.evaluate(() => window.__viewerTimings);
      samples.load.push(t.modelLoadMs);
      samples.predict.push(t.firstPredictionMs);
      samples.mc.push(t.lastMcDropoutMs);
      await context.close();
    }
    rows.push({
      model: m.name,
      weightsMB: (folderBytes(m.dir) / 2 ** 20).toFixed(1),
      loadMs: median(samples.load).toFixed(0),
      firstPredictionMs: median(samples.predict).toFixed(0),
      mcDropoutMs: median(samples.mc).toFixed(0),
      all: samples,
    });
  }
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(appDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
}

const cpu = os.cpus();
console.log(
  `\nweb viewer on wasm, headless ${chromiumVersion(found.path)}; ${cpu[0]?.model ?? '?'} × ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}; ${new Date().toISOString()}; median of ${RUNS} fresh page(s); 512×512 PNG`,
);
console.log(
  '\n| model | model folder | model load (backend ready → weights in) | first prediction (file → probabilities) | MC dropout (10 passes) |',
);
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.model} | ${r.weightsMB} MB | ${r.loadMs} ms | ${r.firstPredictionMs} ms | ${r.mcDropoutMs} ms |`,
  );
}
console.log(`\nall runs (ms): ${JSON.stringify(rows.map((r) => ({ model: r.model, ...r.all })))}`);
