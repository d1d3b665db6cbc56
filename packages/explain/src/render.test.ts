import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Jimp } from 'jimp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradCamResult } from './grad-cam.js';
import { formatTitle, gradCamPanels, overlayPixels, type PlainImage } from './overlay.js';
import {
  layoutGrid,
  layoutPanel,
  renderGradCam,
  renderGradCamGrid,
  writeGradCamGridPng,
  writeGradCamPng,
} from './render.js';

// matplotlib 3.6.3: plt.get_cmap('hot_r', 5)(np.arange(5))[:, :3]
const HOT_R_5 = [
  [1, 1, 1],
  [1, 1, 0.01562402],
  [1, 0.35416705, 0],
  [0.69789631, 0, 0],
  [0.0416, 0, 0],
];

const W = 20;
const H = 16;

/** A grey ramp "radiograph" and a hand-made heatmap: 0 on the left half, 4 bands on the right. */
function fixture(): { image: PlainImage; cam: GradCamResult; values: number[] } {
  const data = new Float32Array(W * H);
  const heatmap = new Float32Array(W * H);
  const values = [0.5, 0.65, 0.85, 1];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      data[y * W + x] = (x + y) / (W + H);
      if (x >= W / 2) heatmap[y * W + x] = values[Math.floor(y / (H / 4))]!;
    }
  }
  return {
    image: { width: W, height: H, channels: 1, data },
    cam: {
      label: 1,
      name: 'Cardiomegaly',
      heatmap,
      width: W,
      height: H,
      probability: 0.8,
      peak: { x: 10, y: 12 },
    },
    values,
  };
}

/** Expected RGB bytes of pixel (x, y): grey, or 0.3·grey + 0.7·band colour. */
function expectedPixel(f: ReturnType<typeof fixture>, x: number, y: number): number[] {
  const grey = Number(f.image.data[y * W + x]);
  const value = f.cam.heatmap[y * W + x]!;
  if (value === 0) return [0, 1, 2].map(() => Math.round(grey * 255));
  const band = HOT_R_5[Math.min(4, Math.floor(value * 5))]!;
  return band.map((c) => Math.round((0.3 * grey + 0.7 * c) * 255));
}

function rgbAt(
  image: { bitmap: { width: number; data: Uint8Array } },
  x: number,
  y: number,
): number[] {
  const i = (y * image.bitmap.width + x) * 4;
  return [image.bitmap.data[i]!, image.bitmap.data[i + 1]!, image.bitmap.data[i + 2]!];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'explain-render-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('overlayPixels', () => {
  it('blends the band colour with alpha 0.7 where the heatmap is non-zero and keeps the image elsewhere', () => {
    const f = fixture();
    const rgba = overlayPixels(f.image, f.cam.heatmap);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 4;
        expect([rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]]).toEqual([
          ...expectedPixel(f, x, y),
          255,
        ]);
      }
    }
    expect(() => overlayPixels(f.image, new Float32Array(3))).toThrow(
      /heatmap has 3 values but the image is 20×16/,
    );
    const bad = { ...f.image, data: Float32Array.from(f.image.data as Float32Array, () => 3) };
    expect(() => overlayPixels(bad, f.cam.heatmap)).toThrow(/outside \[0, 1\]/);
  });
});

describe('renderGradCam', () => {
  it('renders a PNG of the laid-out size with the overlay, the 5-band colour bar and a title', async () => {
    const f = fixture();
    const panel = { image: f.image, cam: f.cam, uncertainty: { mean: 0.731, std: 0.052 } };
    const layout = await layoutPanel(panel, { scale: 2 });
    expect(layout.title.text).toBe('Cardiomegaly: 0.73±0.05');
    const png = await renderGradCam(panel, { scale: 2 });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const image = await Jimp.read(png);
    expect(image.bitmap.width).toBe(layout.width);
    expect(image.bitmap.height).toBe(layout.height);
    expect(layout.image).toMatchObject({ width: 2 * W, height: 2 * H });
    expect(layout.width).toBeGreaterThanOrEqual(layout.bar.x + layout.bar.width);
    // Every overlay pixel, magnified ×2.
    for (let y = 0; y < 2 * H; y++) {
      for (let x = 0; x < 2 * W; x++) {
        expect(rgbAt(image, layout.image.x + x, layout.image.y + y)).toEqual(
          expectedPixel(f, Math.floor(x / 2), Math.floor(y / 2)),
        );
      }
    }
    // The colour bar: five bands, the top one (value 1) darkest.
    const barColours = new Set<string>();
    for (let y = 0; y < layout.bar.height; y++) {
      barColours.add(rgbAt(image, layout.bar.x + layout.bar.width / 2, layout.bar.y + y).join(','));
    }
    expect([...barColours].sort()).toEqual(
      HOT_R_5.map((c) => c.map((v) => Math.round(v * 255)).join(',')).sort(),
    );
    expect(rgbAt(image, layout.bar.x + 1, layout.bar.y)).toEqual([11, 0, 0]);
    // Title text drawn in dark pixels above the image.
    let dark = 0;
    for (let y = layout.title.y; y < layout.image.y; y++) {
      for (let x = 0; x < layout.width; x++) if (rgbAt(image, x, y)[0]! < 100) dark++;
    }
    expect(dark).toBeGreaterThan(50);
  });

  it('titles with the probability without uncertainty, and checks sizes and options', async () => {
    const f = fixture();
    const layout = await layoutPanel({ image: f.image, cam: f.cam });
    expect(layout.title.text).toBe('Cardiomegaly: 0.80');
    const small = { ...f.image, width: 10, data: new Float32Array(10 * H) };
    await expect(renderGradCam({ image: small, cam: f.cam })).rejects.toThrow(
      /image is 10×16 but the heatmap of label 1 is 20×16/,
    );
    await expect(renderGradCam({ image: f.image, cam: f.cam }, { scale: 1.5 })).rejects.toThrow(
      /scale must be a positive integer/,
    );
    await expect(renderGradCam({ image: f.image, cam: f.cam }, { alpha: 2 })).rejects.toThrow(
      /alpha must be in \[0, 1\]/,
    );
  });

  it('accepts tensors [H, W], [H, W, 3] and [1, H, W, 1] as the image', async () => {
    const f = fixture();
    const grey = tf.tensor2d(Array.from(f.image.data), [H, W]);
    const rgb = tf.tidy(() => tf.stack([grey, grey, grey], -1));
    const batch = tf.tidy(() => grey.reshape([1, H, W, 1]));
    const expected = await Jimp.read(await renderGradCam({ image: f.image, cam: f.cam }));
    for (const image of [grey, rgb, batch]) {
      const rendered = await Jimp.read(await renderGradCam({ image, cam: f.cam }));
      expect(Buffer.from(rendered.bitmap.data).equals(Buffer.from(expected.bitmap.data))).toBe(
        true,
      );
    }
    tf.dispose([grey, rgb, batch]);
  });
});

describe('renderGradCamGrid', () => {
  it('lays out every label with its title and overlay, and one colour bar', async () => {
    const f = fixture();
    const cams: GradCamResult[] = [0, 1, 2].map((label) => ({
      ...f.cam,
      label,
      name: `L${label}`,
    }));
    const panels = gradCamPanels(f.image, cams, {
      uncertainty: {
        samples: 10,
        seed: 1,
        mean: { rows: 1, cols: 3, data: new Float32Array([0.1, 0.2, 0.3]) },
        std: { rows: 1, cols: 3, data: new Float32Array([0.01, 0.02, 0.03]) },
      },
    });
    const layout = await layoutGrid(panels, { columns: 2 });
    expect(layout.cells.map((c) => c.title.text)).toEqual([
      'L0: 0.10±0.01',
      'L1: 0.20±0.02',
      'L2: 0.30±0.03',
    ]);
    const image = await Jimp.read(await renderGradCamGrid(panels, { columns: 2 }));
    expect([image.bitmap.width, image.bitmap.height]).toEqual([layout.width, layout.height]);
    // Two rows: the third cell sits below the first.
    expect(layout.cells[2]!.image.x).toBe(layout.cells[0]!.image.x);
    expect(layout.cells[2]!.image.y).toBeGreaterThan(layout.cells[0]!.image.y + H);
    for (const cell of layout.cells) {
      for (const [x, y] of [
        [0, 0],
        [W - 1, H - 1],
        [W / 2, 0],
        [W - 1, H / 2],
      ] as const) {
        expect(rgbAt(image, cell.image.x + x, cell.image.y + y)).toEqual(expectedPixel(f, x, y));
      }
    }
    await expect(renderGradCamGrid([])).rejects.toThrow(/panels is empty/);
    expect(() =>
      gradCamPanels(f.image, cams, {
        uncertainty: {
          samples: 1,
          seed: 1,
          mean: { rows: 0, cols: 3, data: new Float32Array(0) },
          std: { rows: 0, cols: 3, data: new Float32Array(0) },
        },
      }),
    ).toThrow(/imageIndex 0 is outside/);
  });
});

describe('writeGradCamPng / writeGradCamGridPng', () => {
  it('write complete PNGs atomically and name the path on failure', async () => {
    const f = fixture();
    const path = join(dir, 'cardiomegaly.png');
    await writeGradCamPng(path, { image: f.image, cam: f.cam });
    await writeGradCamGridPng(join(dir, 'grid.png'), [{ image: f.image, cam: f.cam }]);
    expect((await readdir(dir)).sort()).toEqual(['cardiomegaly.png', 'grid.png']);
    expect((await Jimp.read(path)).bitmap.height).toBeGreaterThan(H);
    // A path under a plain file cannot be written (parent folders are created otherwise).
    const blocked = join(path, 'x.png');
    await expect(writeGradCamPng(blocked, { image: f.image, cam: f.cam })).rejects.toThrow(
      `cannot write ${blocked}`,
    );
    expect((await readdir(dir)).sort()).toEqual(['cardiomegaly.png', 'grid.png']);
  });
});

describe('formatTitle', () => {
  it('writes label: mean±std', () => {
    expect(formatTitle('Edema', 0.4567, 0.0123)).toBe('Edema: 0.46±0.01');
    expect(formatTitle('Edema', 0.4567, 0.0123, 3)).toBe('Edema: 0.457±0.012');
  });
});

describe('argument errors', () => {
  it('renderGradCam, layoutPanel and renderGradCamGrid throw RangeError naming the field', async () => {
    const f = fixture();
    const small = { ...f.image, width: 10, data: new Float32Array(10 * H) };
    const panel = { image: f.image, cam: f.cam };
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => renderGradCam({ image: small, cam: f.cam }), /render: image is 10×16 but the heatmap/],
      [() => renderGradCam(panel, { scale: 0 }), /render: scale must be a positive integer/],
      [() => layoutPanel(panel, { scale: 1.5 }), /render: scale must be a positive integer/],
      [() => renderGradCam(panel, { alpha: -0.1 }), /render: alpha must be in \[0, 1\]/],
      [() => renderGradCamGrid([]), /renderGradCamGrid: panels is empty/],
      [() => layoutGrid([panel], { columns: 0 }), /columns must be a positive integer, got 0/],
    ];
    for (const [call, message] of cases) {
      await expect(call()).rejects.toBeInstanceOf(RangeError);
      await expect(call()).rejects.toThrow(message);
    }
  });
});
