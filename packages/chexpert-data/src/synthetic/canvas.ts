/**
 * A grayscale raster in [0, 1] (bright = radiodense) with the few drawing primitives the
 * synthetic radiographs need. Coordinates are normalised: (0, 0) top left, (1, 1) bottom right;
 * every primitive touches only the pixels of its own bounding box.
 */
export class Canvas {
  readonly size: number;
  readonly px: Float32Array;
  /** How much each pixel belongs to a lung field (0..1); findings confine opacities with it. */
  readonly lung: Float32Array;
  /** Scratch coverage for polylines; all zero between calls. */
  private readonly coverage: Float32Array;

  constructor(size: number) {
    this.size = size;
    this.px = new Float32Array(size * size);
    this.lung = new Float32Array(size * size);
    this.coverage = new Float32Array(size * size);
  }

  /** Pixel range [lo, hi) covering normalised [a, b], clamped to the image. */
  span(a: number, b: number): [number, number] {
    const s = this.size;
    return [Math.max(0, Math.floor(a * s)), Math.min(s, Math.ceil(b * s) + 1)];
  }

  /**
   * Calls `shade(i, x, y)` for every pixel whose centre lies in the normalised box; x and y are
   * the pixel centre in normalised units.
   */
  region(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    shade: (i: number, x: number, y: number) => void,
  ): void {
    const s = this.size;
    const [c0, c1] = this.span(x0, x1);
    const [r0, r1] = this.span(y0, y1);
    for (let r = r0; r < r1; r++) {
      const y = (r + 0.5) / s;
      for (let c = c0; c < c1; c++) shade(r * s + c, (c + 0.5) / s, y);
    }
  }

  /** Moves pixel i towards `target` by `alpha` (0..1): overlapping findings saturate. */
  toward(i: number, target: number, alpha: number): void {
    if (alpha <= 0) return;
    const a = Math.min(1, alpha);
    this.px[i] = this.px[i]! + (target - this.px[i]!) * a;
  }

  /** A soft-edged ellipse pulled towards `target`; `confine` multiplies alpha by the lung mask. */
  ellipse(
    cx: number,
    cy: number,
    rx: number,
    ry: number,
    target: number,
    opts: { alpha?: number; edge?: number; confine?: boolean; angle?: number } = {},
  ): void {
    const alpha = opts.alpha ?? 1;
    const edge = opts.edge ?? 0.15;
    const cos = Math.cos(opts.angle ?? 0);
    const sin = Math.sin(opts.angle ?? 0);
    const r = Math.max(rx, ry);
    this.region(cx - r, cy - r, cx + r, cy + r, (i, x, y) => {
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * cos + dy * sin) / rx;
      const v = (-dx * sin + dy * cos) / ry;
      const d = Math.sqrt(u * u + v * v);
      const cover = smoothstep(1 + edge, 1 - edge, d);
      if (cover > 0) this.toward(i, target, alpha * cover * (opts.confine ? this.lung[i]! : 1));
    });
  }

  /** A Gaussian haze pulled towards `target` (peak alpha at the centre). */
  blob(
    cx: number,
    cy: number,
    sx: number,
    sy: number,
    target: number,
    alpha: number,
    confine = true,
  ): void {
    this.region(cx - 3 * sx, cy - 3 * sy, cx + 3 * sx, cy + 3 * sy, (i, x, y) => {
      const u = (x - cx) / sx;
      const v = (y - cy) / sy;
      const g = Math.exp(-0.5 * (u * u + v * v));
      this.toward(i, target, alpha * g * (confine ? this.lung[i]! : 1));
    });
  }

  /** A thick line segment with soft sides. */
  segment(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    width: number,
    target: number,
    alpha = 1,
    confine = false,
  ): void {
    this.polyline(
      [
        [x0, y0],
        [x1, y1],
      ],
      width,
      target,
      alpha,
      confine,
    );
  }

  /**
   * A thick polyline (tubes, rib arcs). Each segment rasterises its own bounding box into a
   * coverage buffer (max over segments = coverage of the nearest segment, so joints are not
   * painted twice); the buffer is then applied once.
   */
  polyline(
    points: readonly [number, number][],
    width: number,
    target: number,
    alpha = 1,
    confine = false,
  ): void {
    const s = this.size;
    const half = width / 2;
    const soft = 0.7 / s; // about one pixel, so thin lines survive downsampling
    const pad = half + 2 / s;
    const cov = this.coverage;
    let c0 = s;
    let c1 = 0;
    let r0 = s;
    let r1 = 0;
    for (let k = 1; k < points.length; k++) {
      const [ax, ay] = points[k - 1]!;
      const [bx, by] = points[k]!;
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy || 1e-12;
      const [sc0, sc1] = this.span(Math.min(ax, bx) - pad, Math.max(ax, bx) + pad);
      const [sr0, sr1] = this.span(Math.min(ay, by) - pad, Math.max(ay, by) + pad);
      c0 = Math.min(c0, sc0);
      c1 = Math.max(c1, sc1);
      r0 = Math.min(r0, sr0);
      r1 = Math.max(r1, sr1);
      for (let r = sr0; r < sr1; r++) {
        const y = (r + 0.5) / s;
        for (let c = sc0; c < sc1; c++) {
          const x = (c + 0.5) / s;
          let t = ((x - ax) * dx + (y - ay) * dy) / len2;
          t = Math.min(1, Math.max(0, t));
          const ex = x - (ax + t * dx);
          const ey = y - (ay + t * dy);
          const cover = smoothstep(half + soft, half - soft, Math.sqrt(ex * ex + ey * ey));
          const i = r * s + c;
          if (cover > cov[i]!) cov[i] = cover;
        }
      }
    }
    for (let r = r0; r < r1; r++) {
      for (let c = c0; c < c1; c++) {
        const i = r * s + c;
        const cover = cov[i]!;
        if (cover > 0) {
          this.toward(i, target, alpha * cover * (confine ? this.lung[i]! : 1));
          cov[i] = 0;
        }
      }
    }
  }

  /** A 3x3 box blur: softens hard procedural edges the way a detector's blur would. */
  blur3(): void {
    const s = this.size;
    const src = Float32Array.from(this.px);
    for (let r = 0; r < s; r++) {
      const r0 = r > 0 ? r - 1 : r;
      const r1 = r < s - 1 ? r + 1 : r;
      for (let c = 0; c < s; c++) {
        const c0 = c > 0 ? c - 1 : c;
        const c1 = c < s - 1 ? c + 1 : c;
        let sum = 0;
        for (let rr = r0; rr <= r1; rr++) {
          const row = rr * s;
          for (let cc = c0; cc <= c1; cc++) sum += src[row + cc]!;
        }
        this.px[r * s + c] = sum / ((r1 - r0 + 1) * (c1 - c0 + 1));
      }
    }
  }
}

/** Hermite smoothstep from edge0 to edge1 (edge0 > edge1 gives a falling step). */
export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.max(0, Math.min(1, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}
