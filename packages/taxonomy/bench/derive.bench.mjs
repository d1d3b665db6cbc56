// Times deriveLabels on CheXpert's training-set size (223,414 rows) and the hierarchy checks.
import {
  chexpertTaxonomy,
  deriveLabels,
  enforceConsistency,
  hierarchyViolations,
} from '../dist/index.js';

const ROWS = 223_414;
let seed = 2408;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const source = new Float32Array(ROWS * 14).map(() => (rand() < 0.12 ? 1 : 0));
const preds = new Float32Array(ROWS * 21).map(() => rand());

function time(name, fn, repeats = 5) {
  fn(); // warm-up
  const ms = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return {
    name,
    'median ms': ms[Math.floor(ms.length / 2)].toFixed(1),
    'rows/s': Math.round(ROWS / (ms[Math.floor(ms.length / 2)] / 1000)).toLocaleString('en'),
  };
}

console.table([
  time('deriveLabels (flat matrix)', () =>
    deriveLabels({ rows: ROWS, cols: 14, data: source }, chexpertTaxonomy),
  ),
  time('hierarchyViolations', () =>
    hierarchyViolations({ rows: ROWS, cols: 21, data: preds }, chexpertTaxonomy),
  ),
  time('enforceConsistency', () =>
    enforceConsistency({ rows: ROWS, cols: 21, data: preds }, chexpertTaxonomy),
  ),
]);
