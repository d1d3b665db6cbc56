/**
 * Seeded random numbers shared by the packages: one generator (mulberry32) and the seed mixers
 * that derive its seeds from integer keys. The same seed gives the same stream on every machine,
 * which `Math.random` cannot promise.
 */

/** A mulberry32 generator: uniform values in [0, 1), 2^32 period, seeded by a 32-bit integer. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` uniform values in [-scale, scale) from a mulberry32 stream (test and benchmark inputs). */
export function seededValues(n: number, seed: number, scale = 1): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (next() * 2 - 1) * scale;
  return out;
}

/**
 * Mixes any number of integers into one 32-bit seed (murmur3-style finaliser per key; keys above
 * 2^32 still contribute their high bits). Streams keyed this way do not depend on call order.
 */
export function hashSeed(...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const key of keys) {
    let k = Math.imul(key | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    const high = Math.floor(key / 0x100000000);
    if (high !== 0) h ^= Math.imul(high | 0, 0x85ebca6b);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit seed from several integers by FNV-1a over their decimal text joined with ':'. The
 * trainer's dropout seeds were derived this way; it stays so that saved runs resume with the same
 * masks. New code should use `hashSeed`.
 */
export function fnv1aSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join(':')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
