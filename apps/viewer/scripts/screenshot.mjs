// The README's screenshot: the built app with the exported default model (public/model), a test
// image of the synthetic dataset (patient01021: Enlarged Cardiomediastinum + Cardiomegaly) and
// the Grad-CAM of Cardiomegaly, on wasm in headless Chromium → docs/screenshot.png.
// Run after the default run, its export and `pnpm build`: node scripts/screenshot.mjs [IMAGE]
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { buildApp, findChromium, serve, viewerRoot } from '../e2e/harness.mjs';

const image =
  process.argv[2] ??
  path.join(
    viewerRoot,
    '../../.cache/cihmlc/synthetic-1200/test/patient01021/study1/view1_frontal.jpg',
  );
const found = findChromium();
if (!found.path) throw new Error(found.reason);
const appDir = await buildApp();
const server = await serve({ '/app/': appDir, '/model/': path.join(viewerRoot, 'public/model') });
const browser = await chromium.launch({
  executablePath: found.path,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.origin}/app/?model=/model/&backend=wasm`);
  await page.waitForSelector('body[data-state="ready"]');
  await page.setInputFiles('#file', image);
  await page.waitForSelector('body[data-state="analysed"]');
  await page.click('tr[data-label="Cardiomegaly"]');
  await page.waitForSelector('tr.selected[data-label="Cardiomegaly"]');
  await page.waitForSelector('body[data-state="analysed"]');
  fs.mkdirSync(path.join(viewerRoot, 'docs'), { recursive: true });
  await page.screenshot({ path: path.join(viewerRoot, 'docs/screenshot.png'), fullPage: true });
  console.log('docs/screenshot.png written');
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(appDir, { recursive: true, force: true });
}
