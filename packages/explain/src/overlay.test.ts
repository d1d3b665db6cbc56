import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradCam } from './grad-cam.js';
import {
  clipHeatmap,
  gradCamPanels,
  heatmapRgba,
  overlayPixels,
  overlayRgba,
  type PlainImage,
  plainImageToRgba,
  toPlainImage,
} from './overlay.js';
import { randomImage, tinyClassifier, useCpuBackend } from './test-models.js';

// matplotlib 3.6.3: plt.get_cmap('hot_r', 5)(np.arange(5))[:, :3]
const HOT_R_5 = [
  [1, 1, 1],
  [1, 1, 0.01562402],
  [1, 0.35416705, 0],
  [0.69789631, 0, 0],
  [0.0416, 0, 0],
];

beforeAll(useCpuBackend);

describe('heatmapRgba', () => {
  it('colours each band with matplotlib hot_r/5 at opacity alpha, transparent at 0 and below clip', () => {
    // One pixel per band centre, one zero, one below the clip.
    const heatmap = [0.1, 0.3, 0.5, 0.7, 0.9, 0, 0.05];
    const { data, width, height } = heatmapRgba(heatmap, 7, 1, { alpha: 0.6, clip: 0.08 });
    expect([width, height]).toEqual([7, 1]);
    for (let band = 0; band < 5; band++) {
      const rgb = HOT_R_5[band]!.map((v) => Math.round(v * 255));
      expect(Array.from(data.slice(band * 4, band * 4 + 4))).toEqual([
        ...rgb,
        Math.round(0.6 * 255),
      ]);
    }
    expect(Array.from(data.slice(20, 28))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('names the field of a bad argument', () => {
    expect(() => heatmapRgba([0.5, 0.5], 3, 1)).toThrow(
      /heatmap has 2 values but the image is 3×1/,
    );
    expect(() => heatmapRgba([0.5], 1, 1, { alpha: 2 })).toThrow(RangeError);
    expect(() => heatmapRgba([0.5], 1, 1, { clip: -1 })).toThrow(/clip must be in \[0, 1\]/);
  });
});

describe('overlayRgba', () => {
  it('blends 0.3·pixel + 0.7·colour where the map is non-zero (hand-computed)', () => {
    const base = {
      width: 2,
      height: 1,
      data: new Uint8ClampedArray([100, 150, 200, 255, 10, 20, 30, 255]),
    };
    const out = overlayRgba(base, [0.95, 0]);
    const colour = HOT_R_5[4]!;
    expect(Array.from(out.data.slice(0, 4))).toEqual([
      Math.round(((0.3 * 100) / 255) * 255 + 0.7 * colour[0]! * 255),
      Math.round(((0.3 * 150) / 255) * 255 + 0.7 * colour[1]! * 255),
      Math.round(((0.3 * 200) / 255) * 255 + 0.7 * colour[2]! * 255),
      255,
    ]);
    expect(Array.from(out.data.slice(4, 8))).toEqual([10, 20, 30, 255]);
  });

  it('equals overlayPixels on the same image given in [0, 1]', () => {
    const width = 9;
    const height = 7;
    const grey = Float32Array.from({ length: width * height }, (_, i) => ((i * 37) % 256) / 255);
    const image: PlainImage = { width, height, channels: 1, data: grey };
    const heatmap = Float32Array.from({ length: width * height }, (_, i) => ((i * 13) % 11) / 10);
    expect(Array.from(overlayRgba(plainImageToRgba(image), heatmap).data)).toEqual(
      Array.from(overlayPixels(image, heatmap)),
    );
  });
});

describe('clipHeatmap', () => {
  it('a Grad-CAM map computed with clip 0 and clipped here equals gradCam with that clip', async () => {
    const model = tinyClassifier();
    const image = randomImage(16) as tf.Tensor4D;
    const [full] = await gradCam(model, image, { label: 1, clip: 0 });
    for (const clip of [0.3, 0.5, 0.8]) {
      const [clipped] = await gradCam(model, image, { label: 1, clip });
      expect(Array.from(clipHeatmap(full!.heatmap, clip))).toEqual(Array.from(clipped!.heatmap));
    }
    tf.dispose(image);
    model.dispose();
  });
});

describe('argument errors', () => {
  const image: PlainImage = { width: 2, height: 1, channels: 1, data: new Float32Array([0, 1]) };
  const cam = {
    label: 3,
    heatmap: new Float32Array([0, 1]),
    width: 2,
    height: 1,
    probability: 0.5,
    peak: { x: 1, y: 0 },
  };

  it('toPlainImage throws RangeError for a bad shape, size, channel count or data length', () => {
    const rank1 = tf.zeros([4]);
    const cases: [PlainImage | tf.Tensor, RegExp][] = [
      [rank1, /image must be \[H, W\], \[H, W, 1\|3\] or \[1, H, W, 1\|3\], got \[4\]/],
      [{ ...image, width: 0 }, /image: width and height must be positive integers, got 0×1/],
      [{ ...image, channels: 2 as 1 }, /image\.channels must be 1 or 3, got 2/],
      [{ ...image, data: new Float32Array(3) }, /image\.data has 3 values, expected 2×1×1/],
    ];
    for (const [input, message] of cases) {
      expect(() => toPlainImage(input)).toThrow(RangeError);
      expect(() => toPlainImage(input)).toThrow(message);
    }
    rank1.dispose();
  });

  it('overlayPixels throws RangeError for a heatmap of another size or image values outside [0, 1]', () => {
    expect(() => overlayPixels(image, [0.5])).toThrow(RangeError);
    expect(() => overlayPixels(image, [0.5])).toThrow(/overlay: heatmap has 1 values/);
    const bright = { ...image, data: new Float32Array([0, 2]) };
    expect(() => overlayPixels(bright, [0, 0])).toThrow(RangeError);
    expect(() => overlayPixels(bright, [0, 0])).toThrow(/image value 2 at pixel 1 is outside/);
  });

  it('gradCamPanels throws RangeError when uncertainty lacks the image or the output', () => {
    const matrix = (values: number[]) => ({ rows: 1, cols: 2, data: new Float32Array(values) });
    const uncertainty = {
      samples: 1,
      seed: 1,
      mean: matrix([0.1, 0.2]),
      std: matrix([0.01, 0.02]),
    };
    expect(() => gradCamPanels(image, [cam], { uncertainty, imageIndex: 1 })).toThrow(RangeError);
    expect(() => gradCamPanels(image, [cam], { uncertainty, imageIndex: 1 })).toThrow(
      /imageIndex 1 is outside the 1 image\(s\) of uncertainty/,
    );
    expect(() => gradCamPanels(image, [cam], { uncertainty })).toThrow(RangeError);
    expect(() => gradCamPanels(image, [cam], { uncertainty })).toThrow(
      /uncertainty has no output 3/,
    );
  });
});
