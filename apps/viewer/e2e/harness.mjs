// Shared by the browser tests (e2e/viewer.test.ts) and the benchmark (scripts/bench.mjs): find
// Debian's Chromium, build the app, serve it and model folders on 127.0.0.1 (recording every
// request), and draw a synthetic radiograph.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const viewerRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Chromium's path, or why there is none (the tests are skipped with that reason). */
export function findChromium() {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
  ].filter(Boolean);
  for (const file of candidates) if (fs.existsSync(file)) return { path: file };
  return {
    reason: `no Chromium found (tried ${candidates.join(', ')}); install it with scripts/install-chromium.sh (as root, Debian) or set CHROMIUM_PATH`,
  };
}

/** Builds the app into a temporary folder with Vite; returns the folder. */
export async function buildApp() {
  const { build } = await import('vite');
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-viewer-'));
  await build({
    root: viewerRoot,
    configFile: path.join(viewerRoot, 'vite.config.ts'),
    logLevel: 'silent',
    // The app alone: model folders are served separately.
    publicDir: false,
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Serves `mounts` ({ '/app/': dir, '/model/': dir }) on 127.0.0.1 at a free port. Returns
 * { origin, requests (every URL path asked for), close() }.
 */
export async function serve(mounts) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname);
    const mount = Object.keys(mounts).find((m) => url.pathname.startsWith(m));
    if (!mount) {
      res.writeHead(404).end('not found');
      return;
    }
    const root = path.resolve(mounts[mount]);
    let file = path.resolve(root, decodeURIComponent(url.pathname.slice(mount.length)));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory())
      file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * A synthetic frontal radiograph as PNG bytes: dark background, two bright lung-field ellipses
 * with ribs, a heart shadow and a little noise; grayscale unless `rgb`.
 */
export async function syntheticRadiograph(
  width = 180,
  height = 150,
  { rgb = false, seed = 3 } = {},
) {
  const { Jimp } = await import('jimp');
  const image = new Jimp({ width, height, color: 0x000000ff });
  const d = image.bitmap.data;
  let s = seed >>> 0;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const lung = (cx) => ((u - cx) / 0.17) ** 2 + ((v - 0.5) / 0.33) ** 2 < 1;
      let g = 40 + 30 * v;
      if (lung(0.32) || lung(0.68)) g = 70 + 25 * Math.sin(v * 40) ** 2;
      if (((u - 0.55) / 0.13) ** 2 + ((v - 0.68) / 0.14) ** 2 < 1) g = 190;
      if (Math.abs(u - 0.5) < 0.04) g = 210;
      g = Math.max(0, Math.min(255, Math.round(g + 12 * (rand() - 0.5))));
      const i = (y * width + x) * 4;
      d[i] = g;
      d[i + 1] = rgb ? Math.min(255, g + 20) : g;
      d[i + 2] = rgb ? Math.max(0, g - 25) : g;
      d[i + 3] = 255;
    }
  }
  return image.getBuffer('image/png');
}

/** Chromium's version string, for reports. */
export function chromiumVersion(file) {
  try {
    return execFileSync(file, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}
