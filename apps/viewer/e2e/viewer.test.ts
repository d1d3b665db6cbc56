import fs from 'node:fs';
import path from 'node:path';
import { decodeAndResize, toFloatRgb } from '@cihmlc/chexpert-data';
import { loadModel } from '@cihmlc/densenet/node';
import { chexpertTaxonomy } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildApp,
  findChromium,
  type Served,
  serve,
  syntheticRadiograph,
  viewerRoot,
} from './harness.mjs';

// The built viewer in headless Chromium (Debian's, driven by playwright-core) on the wasm
// backend, with the committed fixture model (tiny DenseNet, 32 px, 4 training steps on
// synthetic data, `trainer export`; rebuild with scripts/make-fixture.sh), against Node's
// prediction on wasm for the same PNG.
const fixture = path.join(viewerRoot, 'e2e/fixture-model');
const artifacts = path.join(viewerRoot, 'e2e/artifacts');
const browserFound = findChromium();
if (browserFound.reason) console.warn(`viewer browser tests skipped: ${browserFound.reason}`);

describe.skipIf(!browserFound.path)('the viewer in headless Chromium (wasm)', () => {
  let appDir: string;
  let server: Served;
  let browser: Browser;
  let page: Page;
  let radiograph: Buffer;
  const consoleErrors: string[] = [];
  /** The probabilities of the radiograph with the model loaded by URL. */
  let byUrl: Map<string, number> | undefined;

  beforeAll(async () => {
    appDir = await buildApp();
    server = await serve({ '/app/': appDir, '/fixture-model/': fixture });
    radiograph = await syntheticRadiograph(180, 150);
    browser = await chromium.launch({
      executablePath: browserFound.path!,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${server.origin}/app/?model=/fixture-model/&backend=wasm`);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (appDir) fs.rmSync(appDir, { recursive: true, force: true });
  });

  const rowValues = (field: 'raw' | 'probability') =>
    page.$$eval(
      '#tree tbody tr',
      (trs, f) => trs.map((tr) => [tr.dataset.label!, Number(tr.dataset[f])] as [string, number]),
      field,
    );
  const canvasPixels = () =>
    page.$eval('#overlay', (c) => {
      const canvas = c as HTMLCanvasElement;
      return Array.from(
        canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data,
      );
    });
  const upload = async (name: string, mimeType: string, buffer: Buffer) => {
    await page.setInputFiles('#file', { name, mimeType, buffer });
    await page.waitForSelector('body[data-state="analysed"], body[data-state="error"]');
  };

  it('loads the model on wasm and shows it', async () => {
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    expect(await page.textContent('#backend')).toBe('backend: wasm');
    expect(await page.textContent('#model-info')).toMatch(/tiny at 32×32 px, 21 labels/);
    expect(await page.textContent('#progress-text')).toMatch(/model loaded in/);
  });

  it("predicts the 21 probabilities Node's wasm backend predicts for the same PNG (1e-4)", async () => {
    await upload('synthetic-radiograph.png', 'image/png', radiograph);
    expect(await page.getAttribute('body', 'data-state')).toBe('analysed');
    const browserRows = new Map(await rowValues('raw'));
    byUrl = browserRows;

    await tf.setBackend('wasm');
    await tf.ready();
    const model = await loadModel(fixture);
    const img = await decodeAndResize(radiograph, 32);
    const x = tf.tensor4d(toFloatRgb(img.data, img.channels), [1, 32, 32, 3]);
    const y = model.predict(x) as tf.Tensor;
    const node = Array.from(await y.data());
    tf.dispose([x, y]);
    model.dispose();

    expect(browserRows.size).toBe(21);
    const worst = Math.max(
      ...chexpertTaxonomy.outputLabels.map((label, i) =>
        Math.abs(browserRows.get(label)! - node[i]!),
      ),
    );
    console.info(`browser (wasm) vs Node (wasm): largest probability difference ${worst}`);
    chexpertTaxonomy.outputLabels.forEach((label, i) => {
      expect(Math.abs(browserRows.get(label)! - node[i]!)).toBeLessThanOrEqual(1e-4);
    });
    // The tree: every parent listed above its children.
    const order = [...browserRows.keys()];
    for (const e of chexpertTaxonomy.edges) {
      expect(order.indexOf(e.parent)).toBeLessThan(order.indexOf(e.child));
    }
    // MC dropout: mean ± std shown for every label.
    const mc = await page.$$eval('#tree tbody td.mc', (tds) => tds.map((td) => td.textContent));
    expect(mc.every((t) => /^\d\.\d{3} ± \d\.\d{3}$/.test(t ?? ''))).toBe(true);
  });

  it('the consistent toggle caps every child by its parents', async () => {
    await page.check('#consistent');
    const shown = new Map(await rowValues('probability'));
    for (const e of chexpertTaxonomy.edges) {
      expect(shown.get(e.child)!).toBeLessThanOrEqual(shown.get(e.parent)! + 1e-12);
    }
    expect(await page.$$eval('tr.inconsistent', (trs) => trs.length)).toBe(0);
    await page.uncheck('#consistent');
  });

  it('clicking labels draws their Grad-CAM overlays; the clip slider changes it', async () => {
    const plain = await canvasPixels();
    expect(plain.length).toBe(32 * 32 * 4);
    await page.click('tr[data-label="Abnormal"]');
    await page.waitForSelector('tr.selected[data-label="Abnormal"]');
    await page.waitForSelector('body[data-state="analysed"]');
    const abnormal = await canvasPixels();
    expect(abnormal).not.toEqual(plain);
    await page.click('tr[data-label="Cardiomegaly"]');
    await page.waitForSelector('tr.selected[data-label="Cardiomegaly"]');
    await page.waitForSelector('body[data-state="analysed"]');
    const cardiomegaly = await canvasPixels();
    expect(cardiomegaly).not.toEqual(abnormal);
    expect(await page.textContent('#cam-label')).toMatch(/Grad-CAM of Cardiomegaly/);
    await page.fill('#clip', '0');
    const unclipped = await canvasPixels();
    expect(unclipped).not.toEqual(cardiomegaly);
    await page.fill('#clip', '0.5');
    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'viewer.png'), fullPage: true });
    expect(fs.statSync(path.join(artifacts, 'viewer.png')).size).toBeGreaterThan(10_000);
  });

  it('names the problem for a non-image and for an image too small', async () => {
    await upload('notes.png', 'image/png', Buffer.from('these are not pixels'));
    expect(await page.getAttribute('body', 'data-state')).toBe('error');
    expect(await page.textContent('#error')).toMatch(/notes\.png is not a PNG or JPEG image/);
    await upload('tiny.png', 'image/png', await syntheticRadiograph(20, 24));
    expect(await page.textContent('#error')).toMatch(/tiny\.png is 20×24 px: too small.*32×32/);
    // A good image afterwards clears the message.
    await upload('again.png', 'image/png', await syntheticRadiograph(64, 64, { rgb: true }));
    expect(await page.isHidden('#error')).toBe(true);
  });

  it('loads the same model from local files (read in the page): same probabilities', async () => {
    const files = fs.readdirSync(fixture).map((f) => path.join(fixture, f));
    await page.setInputFiles('#model-files', files);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    expect(await page.textContent('#progress-text')).toMatch(/model loaded in/);
    await upload('synthetic-radiograph.png', 'image/png', radiograph);
    expect(new Map(await rowValues('raw'))).toEqual(byUrl);
    // Files without the export manifest are refused, the loaded model stays.
    await page.setInputFiles(
      '#model-files',
      files.filter((f) => !f.endsWith('cihmlc-model.json')),
    );
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(
      /No cihmlc-model\.json among the chosen model files/,
    );
  });

  it('says so when the model folder is not an exported model', async () => {
    const other = await browser.newPage();
    await other.goto(`${server.origin}/app/?model=/app/assets/&backend=wasm`);
    await other.waitForSelector('body[data-state="error"]');
    expect(await other.textContent('#error')).toMatch(/No cihmlc-model\.json in .*trainer export/);
    await other.close();
  });

  it('asks for nothing but the app and the model files', () => {
    const outside = server.requests.filter(
      (p) => !p.startsWith('/app/') && !p.startsWith('/fixture-model/'),
    );
    expect(outside).toEqual([]);
    const model = server.requests.filter((p) => p.startsWith('/fixture-model/'));
    expect(new Set(model)).toEqual(
      new Set([
        '/fixture-model/cihmlc-model.json',
        '/fixture-model/model.json',
        ...JSON.parse(
          fs.readFileSync(path.join(fixture, 'model.json'), 'utf8'),
        ).weightsManifest[0].paths.map((p: string) => `/fixture-model/${p}`),
      ]),
    );
    expect(consoleErrors).toEqual([]);
  });
});
