import { writeFileSync } from 'node:fs';

/**
 * Writes a minimal 64-bit little-endian ELF shared object whose dynamic symbol table has
 * `defined` (global functions in section 1) and `imported` (undefined) symbols: enough for
 * readDynamicSymbols and for `nm -D`, nothing else. Test fixture only.
 */
export function writeElfFixture(file: string, defined: string[], imported: string[] = []): void {
  const names = [...defined, ...imported];
  let dynstr = '\0';
  const nameOffsets = names.map((name) => {
    const at = dynstr.length;
    dynstr += `${name}\0`;
    return at;
  });
  const dynstrBytes = Buffer.from(dynstr, 'latin1');
  const shstr = '\0.dynstr\0.dynsym\0.shstrtab\0';
  const shstrBytes = Buffer.from(shstr, 'latin1');
  const align = (n: number) => Math.ceil(n / 8) * 8;
  const dynstrAt = 64;
  const dynsymAt = align(dynstrAt + dynstrBytes.length);
  const dynsym = Buffer.alloc(24 * (names.length + 1));
  names.forEach((_, i) => {
    const at = 24 * (i + 1);
    dynsym.writeUInt32LE(nameOffsets[i] as number, at);
    dynsym[at + 4] = 0x12; // STB_GLOBAL, STT_FUNC
    dynsym.writeUInt16LE(i < defined.length ? 1 : 0, at + 6);
    dynsym.writeBigUInt64LE(BigInt(i < defined.length ? 0x1000 + 16 * i : 0), at + 8);
  });
  const shstrAt = dynsymAt + dynsym.length;
  const sectionsAt = align(shstrAt + shstrBytes.length);
  const sections = Buffer.alloc(64 * 4);
  const section = (
    i: number,
    name: number,
    type: number,
    offset: number,
    size: number,
    link: number,
    entsize: number,
  ) => {
    const at = 64 * i;
    sections.writeUInt32LE(name, at);
    sections.writeUInt32LE(type, at + 4);
    sections.writeBigUInt64LE(2n, at + 8); // SHF_ALLOC
    sections.writeBigUInt64LE(BigInt(offset), at + 24);
    sections.writeBigUInt64LE(BigInt(size), at + 32);
    sections.writeUInt32LE(link, at + 40);
    sections.writeUInt32LE(type === 11 ? 1 : 0, at + 44);
    sections.writeBigUInt64LE(8n, at + 48);
    sections.writeBigUInt64LE(BigInt(entsize), at + 56);
  };
  section(1, 1, 3, dynstrAt, dynstrBytes.length, 0, 0);
  section(2, 9, 11, dynsymAt, dynsym.length, 1, 24);
  section(3, 17, 3, shstrAt, shstrBytes.length, 0, 0);
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2;
  header[5] = 1;
  header[6] = 1;
  header.writeUInt16LE(3, 0x10); // ET_DYN
  header.writeUInt16LE(62, 0x12); // x86-64
  header.writeUInt32LE(1, 0x14);
  header.writeBigUInt64LE(BigInt(sectionsAt), 0x28);
  header.writeUInt16LE(64, 0x34);
  header.writeUInt16LE(64, 0x3a);
  header.writeUInt16LE(4, 0x3c);
  header.writeUInt16LE(3, 0x3e);
  const out = Buffer.alloc(sectionsAt + sections.length);
  header.copy(out, 0);
  dynstrBytes.copy(out, dynstrAt);
  dynsym.copy(out, dynsymAt);
  shstrBytes.copy(out, shstrAt);
  sections.copy(out, sectionsAt);
  writeFileSync(file, out);
}
