// AUROC of 21 labels over 1,000,000 rows (run `pnpm bench` after `pnpm build`).
// Prints a table of wall-clock seconds; no assertions (speed is not a test).
import { performance } from 'node:perf_hooks';
import {
  binaryAuroc,
  delongTest,
  multilabelAuroc,
  rocCurve,
  thresholdMetrics,
} from '../dist/index.js';

const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
const labels = Array.from({ length: 21 }, (_, i) => `L${i + 1}`);
const cols = labels.length;

// Deterministic data: prevalence 1%–50% per label, scores informative, rounded to 1e-6 so that
// ties occur, as with float32 sigmoid outputs.
let state = 2408;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const truth = new Float64Array(rows * cols);
const scores = new Float64Array(rows * cols);
for (let r = 0; r < rows; r++) {
  for (let c = 0; c < cols; c++) {
    const positive = random() < 0.01 + (0.49 * c) / (cols - 1) ? 1 : 0;
    truth[r * cols + c] = positive;
    scores[r * cols + c] =
      Math.round(Math.min(1, 0.6 * random() + 0.4 * positive * random()) * 1e6) / 1e6;
  }
}
const matrix = (data) => ({ rows, cols, data });
const col = (data, c) => {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = data[r * cols + c];
  return out;
};

const results = [];
/** Wall-clock and CPU seconds (CPU time is the fairer figure on a shared, loaded machine). */
function time(name, fn) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = fn();
  const used = process.cpuUsage(cpu);
  results.push({
    name,
    seconds: (performance.now() - start) / 1000,
    cpu: (used.user + used.system) / 1e6,
    value,
  });
}

time(`multilabelAuroc: 21 labels + macro/weighted/micro, ${rows.toLocaleString('en')} rows`, () => {
  const r = multilabelAuroc({ labels, truth: matrix(truth), scores: matrix(scores) });
  return `weighted ${r.average.weighted.toFixed(4)}, micro ${r.average.micro.toFixed(4)}`;
});
const t0 = col(truth, 10);
const s0 = col(scores, 10);
const s1 = col(scores, 11);
time('binaryAuroc: 1 label', () => binaryAuroc(t0, s0).toFixed(4));
time('binaryAuroc: 21 labels (columns pre-extracted)', () => {
  const columns = labels.map((_, c) => [col(truth, c), col(scores, c)]);
  const cpu = process.cpuUsage();
  for (const [t, s] of columns) binaryAuroc(t, s);
  const used = process.cpuUsage(cpu);
  return `${((used.user + used.system) / 1e6).toFixed(2)} cpu s without column extraction`;
});
time('rocCurve: 1 label, all thresholds', () => `${rocCurve(t0, s0).fpr.length} points`);
time('delongTest: 2 scorers, 1 label', () => `z ${delongTest(t0, s0, s1).z.toFixed(2)}`);
time(
  'thresholdMetrics: 21 labels',
  () =>
    `weighted F1 ${thresholdMetrics({ labels, truth: matrix(truth), scores: matrix(scores) }).f1Weighted.toFixed(4)}`,
);

const width = Math.max(...results.map((r) => r.name.length));
console.log(`node ${process.version}, ${rows.toLocaleString('en')} rows × ${cols} labels\n`);
console.log(`${'task'.padEnd(width)}  wall s   cpu s  result`);
console.log(`${'-'.repeat(width)}  ------  ------  ------`);
for (const r of results) {
  console.log(
    `${r.name.padEnd(width)}  ${r.seconds.toFixed(2).padStart(6)}  ${r.cpu.toFixed(2).padStart(6)}  ${r.value}`,
  );
}
