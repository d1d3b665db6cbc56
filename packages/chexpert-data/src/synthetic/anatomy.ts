import type { Random } from '../random.js';
import { type Canvas, smoothstep } from './canvas.js';

/** A box in normalised image coordinates. */
export interface NormBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * One lung field. `u` runs from the medial border (0) to the chest wall (1), `v` from the apex
 * (0) to the costophrenic angle (1), so findings can be placed anatomically ("lateral apex",
 * "base") the same way on frontal and lateral views.
 */
export interface LungField {
  /** +1 when the chest wall lies to the right in the image, -1 when to the left. */
  out: 1 | -1;
  medialX: number;
  lateralX: number;
  apexY: number;
  /** Height of the diaphragm below this lung (mid-dome). */
  baseY: number;
  hilum: [number, number];
}

export interface Rib {
  side: 0 | 1;
  points: [number, number][];
}

export interface ChestGeometry {
  view: 'frontal' | 'lateral';
  cx: number;
  halfWidth: number;
  lungs: LungField[];
  heart: { cx: number; cy: number; rx: number; ry: number };
  mediastinum: NormBox;
  ribs: Rib[];
  carina: [number, number];
  /** Stomach bubble under the left dome (frontal) — where an NG tube ends. */
  stomach: [number, number];
  /** Lung whose hemidiaphragm is raised by volume loss (atelectasis), or -1. */
  raisedDiaphragm: number;
}

/** Position in a lung: normalised x, y for (u, v). */
export function lungPoint(lung: LungField, u: number, v: number): [number, number] {
  return [
    lung.medialX + (lung.lateralX - lung.medialX) * u,
    lung.apexY + (lung.baseY - lung.apexY) * v,
  ];
}

/** The lung-relative coordinates (u, v) of an image point. */
export function lungCoords(lung: LungField, x: number, y: number): [number, number] {
  return [
    (x - lung.medialX) / (lung.lateralX - lung.medialX),
    (y - lung.apexY) / (lung.baseY - lung.apexY),
  ];
}

/** Bounding box of a lung field. */
export function lungBox(lung: LungField): NormBox {
  return {
    x0: Math.min(lung.medialX, lung.lateralX),
    x1: Math.max(lung.medialX, lung.lateralX),
    y0: lung.apexY,
    y1: lung.baseY + 0.04,
  };
}

/** Which anatomy a label set changes: the heart, the mediastinum, a raised hemidiaphragm. */
export interface AnatomyChanges {
  cardiomegaly: boolean;
  widenedMediastinum: boolean;
  /** Lung index whose diaphragm is raised by volume loss (atelectasis), or -1. */
  raisedDiaphragm: number;
}

export function sampleFrontal(rng: Random, changes: AnatomyChanges): ChestGeometry {
  const cx = 0.5 + rng.normal() * 0.01;
  const halfWidth = 0.35 + rng.uniform(-0.02, 0.02);
  const apexY = 0.14 + rng.uniform(-0.02, 0.02);
  const domeR = 0.7 + rng.uniform(-0.025, 0.025);
  const domeL = domeR + rng.uniform(0.01, 0.04);
  const lift = (k: number) => (changes.raisedDiaphragm === k ? 0.06 : 0);
  const lungs: LungField[] = [
    {
      out: -1,
      medialX: cx - 0.045,
      lateralX: cx - halfWidth,
      apexY,
      baseY: domeR - lift(0),
      hilum: [cx - 0.09, apexY + 0.24],
    },
    {
      out: 1,
      medialX: cx + 0.045,
      lateralX: cx + halfWidth,
      apexY: apexY + 0.01,
      baseY: domeL - lift(1),
      hilum: [cx + 0.09, apexY + 0.25],
    },
  ];
  // Cardiothoracic ratio about 0.4 when normal, 0.6+ with cardiomegaly.
  const hrx = changes.cardiomegaly ? rng.uniform(0.2, 0.23) : rng.uniform(0.125, 0.14);
  const hry = changes.cardiomegaly ? rng.uniform(0.15, 0.17) : rng.uniform(0.12, 0.13);
  const heart = {
    cx: cx + (changes.cardiomegaly ? 0.06 : 0.045),
    cy: domeL - hry * 0.55,
    rx: hrx,
    ry: hry,
  };
  const mw = changes.widenedMediastinum ? rng.uniform(0.085, 0.1) : rng.uniform(0.042, 0.052);
  const mediastinum = {
    x0: cx - mw,
    x1: cx + mw * 1.1,
    y0: apexY - 0.04,
    y1: heart.cy - hry * 0.6,
  };
  const ribs: Rib[] = [];
  for (let side = 0; side < 2; side++) {
    const dir = side === 0 ? -1 : 1;
    for (let k = 0; k < 10; k++) {
      const y0 = apexY - 0.03 + k * 0.058 + (side ? 0.005 : 0);
      const points: [number, number][] = [];
      for (let s = 0; s <= 1.0001; s += 0.125) {
        points.push([
          cx + dir * (0.03 + (halfWidth + 0.01) * s),
          y0 - 0.035 * Math.sin(Math.PI * s * 0.8) + 0.07 * s * s,
        ]);
      }
      ribs.push({ side: side as 0 | 1, points });
    }
  }
  return {
    view: 'frontal',
    cx,
    halfWidth,
    lungs,
    heart,
    mediastinum,
    ribs,
    carina: [cx + 0.005, apexY + 0.15],
    stomach: [cx + 0.16, domeL + 0.06],
    raisedDiaphragm: changes.raisedDiaphragm,
  };
}

export function sampleLateral(rng: Random, changes: AnatomyChanges): ChestGeometry {
  const apexY = 0.13 + rng.uniform(-0.02, 0.02);
  const base = 0.72 + rng.uniform(-0.02, 0.02) - (changes.raisedDiaphragm >= 0 ? 0.04 : 0);
  // Anterior to the left, posterior (spine) to the right.
  const lung: LungField = {
    out: 1,
    medialX: 0.24 + rng.uniform(-0.01, 0.01),
    lateralX: 0.78 + rng.uniform(-0.01, 0.01),
    apexY,
    baseY: base,
    hilum: [0.55, apexY + 0.25],
  };
  const hr = changes.cardiomegaly ? rng.uniform(0.17, 0.19) : rng.uniform(0.12, 0.135);
  const heart = {
    cx: 0.37 + (changes.cardiomegaly ? 0.03 : 0),
    cy: base - hr * 0.7,
    rx: hr,
    ry: hr,
  };
  const mw = changes.widenedMediastinum ? 0.1 : 0.06;
  const ribs: Rib[] = [];
  for (let k = 0; k < 8; k++) {
    const y0 = apexY + 0.02 + k * 0.065;
    ribs.push({
      side: 0,
      points: [
        [0.8, y0],
        [0.6, y0 + 0.04],
        [0.4, y0 + 0.1],
      ],
    });
  }
  return {
    view: 'lateral',
    cx: 0.5,
    halfWidth: 0.3,
    lungs: [lung],
    heart,
    mediastinum: { x0: 0.45 - mw, x1: 0.45 + mw, y0: apexY - 0.03, y1: heart.cy - hr },
    ribs,
    carina: [0.5, apexY + 0.15],
    stomach: [0.42, base + 0.07],
    raisedDiaphragm: changes.raisedDiaphragm >= 0 ? 0 : -1,
  };
}

/**
 * The lung masks: soft-edged fields bounded by apex, chest wall, mediastinum and dome. The apex
 * and dome curves depend on the column only, so they are computed once per column.
 */
function lungMaskFrontal(canvas: Canvas, g: ChestGeometry): void {
  const s = canvas.size;
  const edge = 1.5 / s;
  for (const lung of g.lungs) {
    const box = lungBox(lung);
    const width = Math.abs(lung.lateralX - lung.medialX);
    const [c0, c1] = canvas.span(box.x0 - 0.02, box.x1 + 0.02);
    const [r0, r1] = canvas.span(box.y0 - 0.02, box.y1 + 0.02);
    for (let c = c0; c < c1; c++) {
      const x = (c + 0.5) / s;
      const u = (x - lung.medialX) / (lung.lateralX - lung.medialX);
      const across = smoothstep(-edge, edge, u * width) * smoothstep(-edge, edge, (1 - u) * width);
      if (across <= 0) continue;
      // Apex rounded (highest a little lateral of the middle), dome lowest at the costophrenic angle.
      const top = lung.apexY + 0.22 * (u - 0.45) * (u - 0.45);
      const bottom = lung.baseY - 0.035 * Math.sin(Math.PI * Math.min(1, u) * 0.9) + 0.035 * u ** 3;
      for (let r = r0; r < r1; r++) {
        const y = (r + 0.5) / s;
        if (y < top - edge || y > bottom + edge) continue;
        const m = across * smoothstep(-edge, edge, y - top) * smoothstep(-edge, edge, bottom - y);
        const i = r * s + c;
        if (m > canvas.lung[i]!) canvas.lung[i] = m;
      }
    }
  }
}

function lungMaskLateral(canvas: Canvas, g: ChestGeometry): void {
  const lung = g.lungs[0]!;
  const edge = 1.5 / canvas.size;
  const box = lungBox(lung);
  canvas.region(box.x0 - 0.02, box.y0 - 0.02, box.x1 + 0.02, box.y1 + 0.06, (i, x, y) => {
    const u = (x - lung.medialX) / (lung.lateralX - lung.medialX);
    const top = lung.apexY + 0.5 * (u - 0.55) * (u - 0.55);
    // The posterior costophrenic recess sits lower than the anterior one.
    const bottom = lung.baseY - 0.04 + 0.09 * u * u;
    const m =
      smoothstep(-edge, edge, u) *
      smoothstep(-edge, edge, 1 - u) *
      smoothstep(-edge, edge, y - top) *
      smoothstep(-edge, edge, bottom - y);
    canvas.lung[i] = m;
  });
}

/** Soft tissue of the trunk, neck and shoulders over a dark background. */
function drawBody(canvas: Canvas, g: ChestGeometry): void {
  canvas.px.fill(0.04);
  const w = g.halfWidth + 0.08;
  canvas.region(0, 0, 1, 1, (i, x, y) => {
    const dx = Math.abs(x - g.cx);
    // Neck above the shoulders, trunk below.
    const reach = y < 0.08 ? 0.09 + (w - 0.09) * smoothstep(0.0, 0.08, y) : w + 0.02 * (y - 0.5);
    const m = smoothstep(reach + 0.01, reach - 0.01, dx);
    if (m > 0) canvas.toward(i, 0.42 + 0.1 * y, m);
  });
}

function drawLungFields(canvas: Canvas): void {
  const { px, lung, size } = canvas;
  for (let i = 0; i < px.length; i++) {
    const m = lung[i]!;
    if (m > 0) {
      const y = (Math.floor(i / size) + 0.5) / size;
      // Bases a little denser than apices (overlying soft tissue).
      px[i] = px[i]! + (0.1 + 0.08 * y - px[i]!) * m;
    }
  }
}

/** Vessels: faint branching lines fanning out from each hilum. */
function drawVesselMarkings(canvas: Canvas, g: ChestGeometry, rng: Random): void {
  const w = 0.007;
  for (const lung of g.lungs) {
    const [hx, hy] = lung.hilum;
    for (let k = 0; k < 7; k++) {
      const [tx, ty] = lungPoint(lung, rng.uniform(0.35, 0.8), rng.uniform(0.1, 0.85));
      const mx = hx + (tx - hx) * 0.5 + rng.normal() * 0.01;
      const my = hy + (ty - hy) * 0.5 + rng.normal() * 0.01;
      canvas.polyline(
        [
          [hx, hy],
          [mx, my],
          [tx, ty],
        ],
        w,
        0.45,
        0.22,
        true,
      );
    }
    canvas.blob(hx, hy, 0.025, 0.035, 0.5, 0.6, false);
  }
}

function drawRibs(canvas: Canvas, g: ChestGeometry): void {
  for (const rib of g.ribs) canvas.polyline(rib.points, 0.017, 0.9, 0.1);
}

function drawSpineAndClavicles(canvas: Canvas, g: ChestGeometry): void {
  if (g.view === 'frontal') {
    const top = g.lungs[0]!.apexY;
    canvas.segment(g.cx, 0, g.cx, 1, 0.055, 0.7, 0.25);
    for (let y = 0.02; y < 1; y += 0.047)
      canvas.segment(g.cx - 0.025, y, g.cx + 0.025, y, 0.006, 0.3, 0.15);
    for (const dir of [-1, 1]) {
      canvas.segment(
        g.cx + dir * 0.035,
        top + 0.005,
        g.cx + dir * (g.halfWidth + 0.05),
        top - 0.045,
        0.024,
        0.85,
        0.3,
      );
    }
    // Trachea: a dark air column down to the carina.
    canvas.segment(g.cx, 0.0, g.carina[0], g.carina[1], 0.028, 0.22, 0.45);
  } else {
    for (let y = 0.05; y < 0.95; y += 0.06)
      canvas.ellipse(0.83, y, 0.045, 0.024, 0.72, { alpha: 0.5 });
    canvas.segment(0.2, 0.2, 0.22, 0.6, 0.014, 0.8, 0.4); // sternum
    canvas.segment(0.5, 0.0, g.carina[0], g.carina[1], 0.028, 0.22, 0.45);
  }
}

function drawMediastinumAndHeart(canvas: Canvas, g: ChestGeometry): void {
  const m = g.mediastinum;
  canvas.ellipse(
    (m.x0 + m.x1) / 2,
    (m.y0 + m.y1) / 2 + 0.05,
    (m.x1 - m.x0) / 2,
    (m.y1 - m.y0) / 2 + 0.1,
    0.6,
    {
      alpha: 0.85,
      edge: 0.08,
    },
  );
  if (g.view === 'frontal') {
    // Aortic knob on the patient's left.
    canvas.ellipse(m.x1 - 0.005, m.y0 + 0.12, 0.028, 0.024, 0.62, { alpha: 0.8 });
  }
  const h = g.heart;
  canvas.ellipse(h.cx, h.cy, h.rx, h.ry, 0.64, { alpha: 0.95, edge: 0.06 });
}

/** Liver and abdomen below the domes, with the gastric air bubble. */
function drawAbdomen(canvas: Canvas, g: ChestGeometry): void {
  const lowest = Math.max(...g.lungs.map((l) => l.baseY));
  canvas.region(0, lowest - 0.08, 1, 1, (i, _x, y) => {
    if (canvas.lung[i]! < 0.5 && canvas.px[i]! > 0.3)
      canvas.toward(i, 0.56, smoothstep(lowest - 0.08, lowest + 0.05, y) * 0.8);
  });
  canvas.ellipse(g.stomach[0], g.stomach[1], 0.045, 0.025, 0.2, { alpha: 0.5 });
}

/** Draws the normal chest; findings are drawn on top by the caller. */
export function drawAnatomy(canvas: Canvas, g: ChestGeometry, rng: Random): void {
  drawBody(canvas, g);
  if (g.view === 'frontal') lungMaskFrontal(canvas, g);
  else lungMaskLateral(canvas, g);
  drawLungFields(canvas);
  drawAbdomen(canvas, g);
  drawVesselMarkings(canvas, g, rng);
  drawRibs(canvas, g);
  drawSpineAndClavicles(canvas, g);
  drawMediastinumAndHeart(canvas, g);
}

/** Detector grain, blur and exposure: the last step before quantisation. */
export function finishExposure(canvas: Canvas, rng: Random): void {
  const { px } = canvas;
  for (let i = 0; i < px.length; i++) px[i] = px[i]! + rng.grain() * 0.018;
  canvas.blur3();
  const gain = rng.uniform(0.9, 1.1);
  const offset = rng.uniform(-0.04, 0.04);
  for (let i = 0; i < px.length; i++) {
    const v = (px[i]! - 0.4) * gain + 0.4 + offset;
    px[i] = Math.min(1, Math.max(0, v));
  }
}
