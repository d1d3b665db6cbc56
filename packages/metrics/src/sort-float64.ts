/**
 * Sorts a Float64Array ascending in place by LSD radix sort on its IEEE-754 bits (16-bit digits,
 * passes whose digit is the same for every value are skipped — e.g. the 29 low bits of scores that
 * were float32). Several times faster than the built-in typed-array sort on large arrays; the
 * built-in is used for small arrays and on big-endian hosts. NaN must not occur, and -0 should
 * be folded into 0 first (the callers do both).
 */

const RADIX_MIN = 4096;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN || !LITTLE_ENDIAN) return values.sort();
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2); // [lo, hi] per value
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  // Order-preserving keys: flip the sign bit of positives, all bits of negatives.
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1]!;
    const l = words[2 * i]!;
    if (h & 0x80000000) {
      hi[i] = ~h;
      lo[i] = ~l;
    } else {
      hi[i] = h | 0x80000000;
      lo[i] = l;
    }
  }
  let hiOut = new Uint32Array(n);
  let loOut = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const source = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(source[i]! >>> shift) & 0xffff]!++;
    if (count[(source[0]! >>> shift) & 0xffff] === n) continue; // one digit value: nothing to do
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = count[(source[i]! >>> shift) & 0xffff]!++;
      hiOut[at] = hi[i]!;
      loOut[at] = lo[i]!;
    }
    [hi, hiOut] = [hiOut, hi];
    [lo, loOut] = [loOut, lo];
  }
  for (let i = 0; i < n; i++) {
    const h = hi[i]!;
    if (h & 0x80000000) {
      words[2 * i + 1] = h & 0x7fffffff;
      words[2 * i] = lo[i]!;
    } else {
      words[2 * i + 1] = ~h;
      words[2 * i] = ~lo[i]!;
    }
  }
  return values;
}
