import type { Random } from '../random.js';
import {
  type ChestGeometry,
  type LungField,
  lungBox,
  lungCoords,
  lungPoint,
  type NormBox,
} from './anatomy.js';
import type { Canvas } from './canvas.js';

/**
 * One function per CheXpert finding. Each draws its finding on a chest already drawn by
 * `drawAnatomy` and returns where it is (normalised box), which is what Grad-CAM is checked
 * against. Anatomy-level findings (Cardiomegaly, Enlarged Cardiomediastinum) change the geometry
 * before drawing and here only report it.
 */
export type FindingPainter = (canvas: Canvas, g: ChestGeometry, rng: Random) => NormBox;

const box = (x0: number, y0: number, x1: number, y1: number): NormBox => ({
  x0: Math.max(0, Math.min(x0, x1)),
  y0: Math.max(0, Math.min(y0, y1)),
  x1: Math.min(1, Math.max(x0, x1)),
  y1: Math.min(1, Math.max(y0, y1)),
});

const union = (boxes: NormBox[]): NormBox =>
  box(
    Math.min(...boxes.map((b) => b.x0)),
    Math.min(...boxes.map((b) => b.y0)),
    Math.max(...boxes.map((b) => b.x1)),
    Math.max(...boxes.map((b) => b.y1)),
  );

const clipTo = (b: NormBox, to: NormBox): NormBox =>
  box(Math.max(b.x0, to.x0), Math.max(b.y0, to.y0), Math.min(b.x1, to.x1), Math.min(b.y1, to.y1));

const pickLung = (g: ChestGeometry, rng: Random): LungField => rng.pick(g.lungs);

/** Cardiomegaly: the enlarged heart silhouette itself (geometry chose the size). */
export const cardiomegaly: FindingPainter = (_canvas, g) => {
  const h = g.heart;
  return box(h.cx - h.rx, h.cy - h.ry, h.cx + h.rx, h.cy + h.ry);
};

/** Enlarged Cardiomediastinum: the widened upper mediastinum (geometry chose the width). */
export const enlargedCardiomediastinum: FindingPainter = (canvas, g) => {
  const m = g.mediastinum;
  // Denser, lobulated contour so the widening reads even at low resolution.
  canvas.ellipse(m.x1 - 0.01, m.y0 + 0.14, 0.035, 0.05, 0.66, { alpha: 0.9 });
  canvas.ellipse(m.x0 + 0.01, m.y0 + 0.12, 0.03, 0.05, 0.64, { alpha: 0.9 });
  return box(m.x0 - 0.02, m.y0, m.x1 + 0.03, m.y1);
};

/** Lung Opacity: an ill-defined hazy patch (two or three overlapping clouds) in one lung. */
export const lungOpacity: FindingPainter = (canvas, g, rng) => {
  const lung = pickLung(g, rng);
  const [cx, cy] = lungPoint(lung, rng.uniform(0.35, 0.7), rng.uniform(0.3, 0.7));
  const boxes: NormBox[] = [];
  for (let k = 0; k < 3; k++) {
    const x = cx + rng.normal() * 0.025;
    const y = cy + rng.normal() * 0.03;
    const sx = rng.uniform(0.03, 0.045);
    const sy = rng.uniform(0.035, 0.05);
    canvas.blob(x, y, sx, sy, 0.52, 0.7);
    boxes.push(box(x - 2 * sx, y - 2 * sy, x + 2 * sx, y + 2 * sy));
  }
  return clipTo(union(boxes), lungBox(lung));
};

/** Lung Lesion: a well-defined round nodule or mass. */
export const lungLesion: FindingPainter = (canvas, g, rng) => {
  const lung = pickLung(g, rng);
  const [x, y] = lungPoint(lung, rng.uniform(0.35, 0.75), rng.uniform(0.2, 0.65));
  const r = rng.uniform(0.025, 0.045);
  canvas.ellipse(x, y, r, r * rng.uniform(0.85, 1.1), 0.72, { alpha: 0.95, edge: 0.12 });
  return box(x - r, y - r, x + r, y + r);
};

/** Edema: bilateral hazy perihilar ("bat-wing") opacity with Kerley B lines at the bases. */
export const edema: FindingPainter = (canvas, g, rng) => {
  const boxes: NormBox[] = [];
  for (const lung of g.lungs) {
    const [hx, hy] = lung.hilum;
    const x = hx + lung.out * 0.05;
    canvas.blob(x, hy + 0.02, 0.075, 0.11, 0.55, 0.85);
    boxes.push(clipTo(box(x - 0.14, hy - 0.18, x + 0.14, hy + 0.24), lungBox(lung)));
    for (let k = 0; k < 3; k++) {
      const [kx, ky] = lungPoint(lung, 0.97, 0.72 + k * 0.06 + rng.uniform(-0.01, 0.01));
      canvas.segment(kx, ky, kx - lung.out * 0.035, ky, 0.006, 0.55, 0.7, true);
    }
  }
  return union(boxes);
};

/** Consolidation: a dense homogeneous lobar opacity with air bronchograms. */
export const consolidation: FindingPainter = (canvas, g, rng) => {
  const lung = pickLung(g, rng);
  const [x, y] = lungPoint(lung, rng.uniform(0.35, 0.6), rng.uniform(0.45, 0.75));
  const rx = rng.uniform(0.07, 0.1);
  const ry = rng.uniform(0.06, 0.085);
  canvas.ellipse(x, y, rx, ry, 0.62, {
    alpha: 0.92,
    edge: 0.25,
    confine: true,
    angle: rng.uniform(-0.4, 0.4),
  });
  for (let k = 0; k < 2; k++) {
    const a = rng.uniform(0, Math.PI);
    canvas.segment(
      x,
      y,
      x + Math.cos(a) * rx * 0.7,
      y + Math.sin(a) * ry * 0.7,
      0.007,
      0.3,
      0.5,
      true,
    );
  }
  return clipTo(box(x - rx, y - ry, x + rx, y + ry), lungBox(lung));
};

/** Pneumonia: mottled multifocal airspace nodules clustered in one zone. */
export const pneumonia: FindingPainter = (canvas, g, rng) => {
  const lung = pickLung(g, rng);
  const [cx, cy] = lungPoint(lung, rng.uniform(0.4, 0.7), rng.uniform(0.25, 0.65));
  const boxes: NormBox[] = [];
  const count = rng.int(7, 11);
  for (let k = 0; k < count; k++) {
    const x = cx + rng.normal() * 0.035;
    const y = cy + rng.normal() * 0.04;
    const r = rng.uniform(0.012, 0.02);
    canvas.ellipse(x, y, r, r, 0.6, { alpha: 0.85, edge: 0.4, confine: true });
    boxes.push(box(x - r, y - r, x + r, y + r));
  }
  return clipTo(union(boxes), lungBox(lung));
};

/** Atelectasis: a plate-like band at the base (the geometry also raised this hemidiaphragm). */
export const atelectasis: FindingPainter = (canvas, g, rng) => {
  const lung = g.lungs[g.raisedDiaphragm] ?? g.lungs[0]!;
  const v = rng.uniform(0.62, 0.78);
  const [ax, ay] = lungPoint(lung, 0.15, v);
  const [bx, by] = lungPoint(lung, 0.85, v + rng.uniform(-0.08, 0.02));
  const w = rng.uniform(0.02, 0.03);
  canvas.segment(ax, ay, bx, by, w, 0.62, 0.9, true);
  // The box spans the band and the raised hemidiaphragm below it (the volume loss).
  const lb = lungBox(lung);
  const raised = g.raisedDiaphragm >= 0 ? 0.08 : 0;
  return box(lb.x0, Math.min(ay, by) - w, lb.x1, lb.y1 + raised);
};

/** Pneumothorax: apical-lateral air without lung markings, bounded by the visceral pleural line. */
export const pneumothorax: FindingPainter = (canvas, g, rng) => {
  const lung = pickLung(g, rng);
  const depth = rng.uniform(0.28, 0.4); // in u units at the apex
  const reach = rng.uniform(0.55, 0.75); // how far down (v) it extends
  // Inside when u lies beyond the pleural line, which runs closer to the wall lower down.
  const line = (v: number) => 1 - depth * (1 - v / reach);
  const lb = lungBox(lung);
  let x0 = 1;
  let x1 = 0;
  let y1 = 0;
  canvas.region(
    lb.x0,
    lb.y0 - 0.03,
    lb.x1,
    lung.apexY + reach * (lung.baseY - lung.apexY),
    (i, x, y) => {
      const [u, v] = lungCoords(lung, x, y);
      const m = canvas.lung[i]!;
      if (m <= 0 || v > reach) return;
      const edge = line(Math.max(0, v));
      if (u > edge) {
        canvas.toward(i, 0.03, m);
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      } else if (u > edge - 0.04) {
        canvas.toward(i, 0.7, 0.6 * m); // the thin white pleural line
      }
    },
  );
  if (x1 < x0) return lb;
  return box(x0, lung.apexY - 0.02, x1, y1);
};

/** Pleural Effusion: basal fluid with a meniscus rising along the chest wall (blunted angle). */
export const pleuralEffusion: FindingPainter = (canvas, g, rng) => {
  const sides = g.lungs.length > 1 && rng.chance(0.35) ? g.lungs : [pickLung(g, rng)];
  const boxes: NormBox[] = [];
  for (const lung of sides) {
    const level = rng.uniform(0.62, 0.8);
    const lb = lungBox(lung);
    let top = 1;
    canvas.region(lb.x0, lb.y0, lb.x1, lb.y1 + 0.04, (i, x, y) => {
      const [u, v] = lungCoords(lung, x, y);
      const meniscus = level - 0.2 * Math.max(0, u) ** 2;
      const m = canvas.lung[i]!;
      if (m > 0 && v > meniscus - 0.02) {
        const a = Math.min(1, (v - meniscus + 0.02) / 0.04);
        canvas.toward(i, 0.58, 0.95 * a * m);
        if (a > 0.5) top = Math.min(top, y);
      }
    });
    boxes.push(box(lb.x0, top, lb.x1, lb.y1));
  }
  return union(boxes);
};

/** Pleural Other: smooth pleural thickening along the lateral chest wall, with a calcified plaque. */
export const pleuralOther: FindingPainter = (canvas, g, rng) => {
  const lung = pickLung(g, rng);
  const v0 = rng.uniform(0.15, 0.45);
  const v1 = v0 + rng.uniform(0.25, 0.35);
  const thick = rng.uniform(0.14, 0.2);
  const lb = lungBox(lung);
  let x0 = 1;
  let x1 = 0;
  canvas.region(lb.x0, lb.y0, lb.x1, lb.y1, (i, x, y) => {
    const [u, v] = lungCoords(lung, x, y);
    if (v < v0 || v > v1) return;
    const taper = Math.sin((Math.PI * (v - v0)) / (v1 - v0));
    if (u > 1 - thick * taper) {
      canvas.toward(i, 0.6, 0.9 * canvas.lung[i]!);
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
    }
  });
  const [px, py] = lungPoint(lung, 0.93, (v0 + v1) / 2);
  canvas.ellipse(px, py, 0.01, 0.03, 0.85, { alpha: 0.8 });
  const [, ya] = lungPoint(lung, 0, v0);
  const [, yb] = lungPoint(lung, 0, v1);
  return x1 < x0 ? box(px - 0.03, ya, px + 0.03, yb) : box(x0, ya, x1, yb);
};

/** Fracture: a rib broken through with a dark fracture line, step-off and bright callus. */
export const fracture: FindingPainter = (canvas, g, rng) => {
  const rib = g.ribs[rng.int(2, Math.min(g.ribs.length - 1, 7))]!;
  const k = rng.int(Math.floor(rib.points.length * 0.5), rib.points.length - 2);
  const [x, y] = rib.points[k]!;
  // Displaced distal fragment: a short offset stub.
  const [nx, ny] = rib.points[k + 1]!;
  canvas.segment(x, y + 0.01, nx, ny + 0.012, 0.017, 0.85, 0.35);
  canvas.ellipse(x, y, 0.022, 0.016, 0.9, { alpha: 0.85, edge: 0.3 });
  canvas.segment(x - 0.008, y - 0.02, x + 0.008, y + 0.02, 0.007, 0.05, 0.85);
  return box(x - 0.03, y - 0.025, x + 0.03, y + 0.03);
};

/** Support Devices: one to three of endotracheal tube, NG tube, central line, pacemaker. */
export const supportDevices: FindingPainter = (canvas, g, rng) => {
  const metal = 0.97;
  const w = 0.018; // ~2 px at 128: still visible after downsampling to 64
  const boxes: NormBox[] = [];
  const devices = ['ett', 'ng', 'line', 'pacer'].filter(() => rng.chance(0.5));
  if (devices.length === 0) devices.push(rng.pick(['ett', 'line', 'pacer']));
  const [cx, cy] = g.carina;
  for (const device of devices) {
    if (device === 'ett') {
      const tip = cy - rng.uniform(0.03, 0.06);
      canvas.segment(cx - 0.004, 0, cx, tip, w, metal, 0.9);
      boxes.push(box(cx - 0.02, 0, cx + 0.02, tip + 0.01));
    } else if (device === 'ng') {
      const [sx, sy] = g.stomach;
      const pts: [number, number][] = [
        [cx + 0.01, 0],
        [cx + 0.015, cy],
        [cx + 0.03, (cy + sy) / 2],
        [sx - 0.02, sy - 0.01],
        [sx + 0.02, sy + 0.01],
      ];
      canvas.polyline(pts, w * 0.8, metal, 0.8);
      boxes.push(box(cx, 0, sx + 0.03, sy + 0.02));
    } else if (device === 'line') {
      const dir = rng.chance(0.6) ? 1 : -1;
      const start: [number, number] = [g.cx + dir * (g.halfWidth - 0.02), g.lungs[0]!.apexY - 0.02];
      const pts: [number, number][] = [
        start,
        [g.cx + dir * 0.12, g.lungs[0]!.apexY + 0.01],
        [g.cx + dir * 0.03, cy + 0.02],
        [g.cx + dir * 0.02, cy + rng.uniform(0.05, 0.1)],
      ];
      canvas.polyline(pts, w * 0.8, metal, 0.9);
      const last = pts[pts.length - 1]!;
      boxes.push(box(start[0], start[1] - 0.01, last[0], last[1] + 0.01));
    } else {
      // Pacemaker generator in the left upper chest with a lead into the heart.
      const px = g.view === 'frontal' ? g.cx + g.halfWidth * 0.6 : 0.3;
      const py = g.lungs[0]!.apexY + 0.04;
      canvas.ellipse(px, py, 0.05, 0.035, metal, { alpha: 1, edge: 0.1 });
      const h = g.heart;
      const lead: [number, number][] = [
        [px, py],
        [g.cx + 0.03, cy],
        [h.cx - h.rx * 0.2, h.cy + h.ry * 0.4],
      ];
      canvas.polyline(lead, w * 0.7, metal, 0.9);
      boxes.push(
        union([
          box(px - 0.05, py - 0.035, px + 0.05, py + 0.035),
          box(lead[1]![0], py, lead[2]![0], lead[2]![1]),
        ]),
      );
    }
  }
  return union(boxes);
};

/** A faint, small opacity: the equivocal image a reader labels as nothing (Uncertain). */
export const equivocal: FindingPainter = (canvas, g, rng) => {
  const lung = pickLung(g, rng);
  const [x, y] = lungPoint(lung, rng.uniform(0.4, 0.7), rng.uniform(0.3, 0.7));
  canvas.blob(x, y, 0.02, 0.025, 0.45, 0.35);
  return box(x - 0.04, y - 0.05, x + 0.04, y + 0.05);
};

/** Painter per CheXpert label (No Finding draws nothing). */
export const FINDING_PAINTERS: Record<string, FindingPainter> = {
  'Enlarged Cardiomediastinum': enlargedCardiomediastinum,
  Cardiomegaly: cardiomegaly,
  'Lung Opacity': lungOpacity,
  'Lung Lesion': lungLesion,
  Edema: edema,
  Consolidation: consolidation,
  Pneumonia: pneumonia,
  Atelectasis: atelectasis,
  Pneumothorax: pneumothorax,
  'Pleural Effusion': pleuralEffusion,
  'Pleural Other': pleuralOther,
  Fracture: fracture,
  'Support Devices': supportDevices,
};
