/**
 * TF.js draws dropout masks from seeds it takes from Math.random. Running a training step with
 * Math.random replaced by a generator seeded from (seed, epoch, step) makes the masks, and so a
 * resumed run, reproducible. The replacement is restored before the function returns.
 */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  let state = seed >>> 0 || 0x9e3779b9;
  Math.random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

/** A 32-bit seed from several integers (FNV-1a over their decimal text). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join(':')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
