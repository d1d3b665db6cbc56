/**
 * A baseline (sequential DCT, Huffman) JPEG encoder for 8-bit grayscale images: one component,
 * the standard luminance tables of ITU T.81 Annex K. jpeg-js (what jimp uses) spends ~75 ms
 * building its tables on every call, far too slow for thousands of small synthetic images;
 * this one prepares its tables once per quality and encodes a 128×128 image in about 1 ms.
 * Output is deterministic: same pixels and quality → same bytes.
 */

const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
  13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
  45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** Annex K.1 luminance quantisation table, natural (row-major) order. */
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** Annex K.3 luminance DC and AC Huffman tables: code counts per length 1..16, then values. */
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
  0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
  0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
  0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
  0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
  0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
  0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];

interface HuffmanTable {
  code: Uint16Array;
  length: Uint8Array;
}

/** Canonical Huffman codes from counts per length (Annex C). */
function buildHuffman(bits: number[], values: number[]): HuffmanTable {
  const code = new Uint16Array(256);
  const length = new Uint8Array(256);
  let next = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]!; i++) {
      const v = values[k++]!;
      code[v] = next++;
      length[v] = len;
    }
    next <<= 1;
  }
  return { code, length };
}

const DC_TABLE = buildHuffman(DC_BITS, DC_VALUES);
const AC_TABLE = buildHuffman(AC_BITS, AC_VALUES);

/** cos((2x+1)uπ/16) · C(u)/2, so one 1-D pass is out[u] = Σx in[x] · COS[u*8+x]. */
const COS = new Float64Array(64);
for (let u = 0; u < 8; u++) {
  for (let x = 0; x < 8; x++) {
    COS[u * 8 + x] =
      (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
}

/** IJG quality scaling of the luminance table, in natural order. */
function quantTable(quality: number): Uint8Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return Uint8Array.from(LUMA_QUANT, (b) =>
    Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))),
  );
}

class BitWriter {
  bytes = new Uint8Array(4096);
  n = 0;
  private acc = 0;
  private count = 0;

  byte(b: number): void {
    if (this.n === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.n++] = b;
  }

  bits(value: number, length: number): void {
    // At most 7 pending + 16 new bits: fits a 32-bit accumulator.
    this.acc = (this.acc << length) | (value & ((1 << length) - 1));
    this.count += length;
    while (this.count >= 8) {
      this.count -= 8;
      const b = (this.acc >>> this.count) & 0xff;
      this.byte(b);
      if (b === 0xff) this.byte(0); // byte stuffing
    }
    this.acc &= (1 << this.count) - 1;
  }

  /** Pads the last byte with 1s (T.81 F.1.2.3). */
  flush(): void {
    if (this.count > 0) this.bits((1 << (8 - this.count)) - 1, 8 - this.count);
  }
}

function magnitude(v: number): number {
  let a = v < 0 ? -v : v;
  let n = 0;
  while (a > 0) {
    n++;
    a >>= 1;
  }
  return n;
}

/** Encodes `gray` (width × height, row-major) as a baseline grayscale JPEG. */
export function encodeGrayscaleJpeg(
  gray: Uint8Array,
  width: number,
  height: number,
  quality = 92,
): Uint8Array {
  if (gray.length !== width * height)
    throw new RangeError(`encodeGrayscaleJpeg: ${gray.length} pixels for ${width}x${height}`);
  if (width < 1 || height < 1 || width > 65535 || height > 65535)
    throw new RangeError('encodeGrayscaleJpeg: bad size');
  const quant = quantTable(quality);
  const out = new BitWriter();
  const marker = (m: number, payload: number[]) => {
    out.byte(0xff);
    out.byte(m);
    out.byte((payload.length + 2) >> 8);
    out.byte((payload.length + 2) & 0xff);
    for (const b of payload) out.byte(b);
  };
  out.byte(0xff);
  out.byte(0xd8); // SOI
  marker(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]); // JFIF 1.01, aspect 1:1
  marker(0xdb, [0, ...Array.from(ZIGZAG, (i) => quant[i]!)]); // DQT table 0, 8-bit
  marker(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]); // SOF0
  marker(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, ...AC_BITS, ...AC_VALUES]); // DHT
  marker(0xda, [1, 1, 0x00, 0, 63, 0]); // SOS: one component, tables 0/0

  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  const coef = new Int32Array(64);
  let prevDc = 0;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      // Level shift; edge pixels are repeated into partial blocks.
      for (let y = 0; y < 8; y++) {
        const row = Math.min(by + y, height - 1) * width;
        for (let x = 0; x < 8; x++)
          block[y * 8 + x] = gray[row + Math.min(bx + x, width - 1)]! - 128;
      }
      // Separable 2-D DCT-II: rows, then columns.
      for (let y = 0; y < 8; y++) {
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let x = 0; x < 8; x++) s += block[y * 8 + x]! * COS[u * 8 + x]!;
          tmp[y * 8 + u] = s;
        }
      }
      for (let u = 0; u < 8; u++) {
        for (let v = 0; v < 8; v++) {
          let s = 0;
          for (let y = 0; y < 8; y++) s += tmp[y * 8 + u]! * COS[v * 8 + y]!;
          block[v * 8 + u] = s;
        }
      }
      for (let k = 0; k < 64; k++) {
        const i = ZIGZAG[k]!;
        coef[k] = Math.round(block[i]! / quant[i]!);
      }
      // DC: difference to the previous block, category + bits.
      const diff = coef[0]! - prevDc;
      prevDc = coef[0]!;
      const dcSize = magnitude(diff);
      out.bits(DC_TABLE.code[dcSize]!, DC_TABLE.length[dcSize]!);
      if (dcSize > 0) out.bits(diff < 0 ? diff + (1 << dcSize) - 1 : diff, dcSize);
      // AC: (run, size) symbols, ZRL for 16 zeros, EOB after the last non-zero.
      let last = 63;
      while (last > 0 && coef[last] === 0) last--;
      let run = 0;
      for (let k = 1; k <= last; k++) {
        const v = coef[k]!;
        if (v === 0) {
          run++;
          continue;
        }
        while (run > 15) {
          out.bits(AC_TABLE.code[0xf0]!, AC_TABLE.length[0xf0]!);
          run -= 16;
        }
        const size = magnitude(v);
        const sym = (run << 4) | size;
        out.bits(AC_TABLE.code[sym]!, AC_TABLE.length[sym]!);
        out.bits(v < 0 ? v + (1 << size) - 1 : v, size);
        run = 0;
      }
      if (last < 63) out.bits(AC_TABLE.code[0]!, AC_TABLE.length[0]!);
    }
  }
  out.flush();
  out.byte(0xff);
  out.byte(0xd9); // EOI
  return out.bytes.slice(0, out.n);
}
