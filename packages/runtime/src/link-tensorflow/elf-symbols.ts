import { closeSync, openSync, readSync } from 'node:fs';

const SHT_DYNSYM = 11;
const SYMBOL_SIZE = 24;

function readAt(fd: number, offset: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, offset);
  if (read !== length) throw new Error(`truncated at byte ${offset + read}`);
  return buffer;
}

/**
 * The names of the symbols a shared library defines in its dynamic symbol table (what `nm -D
 * --defined-only` lists), read from the ELF file itself: only the header, the section headers,
 * `.dynsym` and its string table are read, so a 800 MB library costs a few MB of I/O.
 * Supports 64-bit little-endian ELF (Linux x86-64 and arm64); throws naming the file otherwise.
 */
export function readDynamicSymbols(file: string): Set<string> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new Error(`cannot open ${file}: ${(error as Error).message}`);
  }
  try {
    const header = Buffer.alloc(64);
    const got = readSync(fd, header, 0, 64, 0);
    if (got < 4 || header.readUInt32BE(0) !== 0x7f454c46)
      throw new Error(`${file} is not an ELF file`);
    if (got < 64) throw new Error(`truncated ELF header (${got} bytes)`);
    if (header[4] !== 2 || header[5] !== 1) {
      throw new Error(`${file} is not a 64-bit little-endian ELF file (only those are supported)`);
    }
    const sectionOffset = Number(header.readBigUInt64LE(0x28));
    const sectionSize = header.readUInt16LE(0x3a);
    const sectionCount = header.readUInt16LE(0x3c);
    const sections = readAt(fd, sectionOffset, sectionSize * sectionCount);
    const section = (i: number) => {
      const at = i * sectionSize;
      return {
        type: sections.readUInt32LE(at + 4),
        offset: Number(sections.readBigUInt64LE(at + 24)),
        size: Number(sections.readBigUInt64LE(at + 32)),
        link: sections.readUInt32LE(at + 40),
      };
    };
    const names = new Set<string>();
    for (let i = 0; i < sectionCount; i++) {
      const symtab = section(i);
      if (symtab.type !== SHT_DYNSYM) continue;
      const strtab = section(symtab.link);
      const strings = readAt(fd, strtab.offset, strtab.size);
      const symbols = readAt(fd, symtab.offset, symtab.size);
      for (let at = 0; at + SYMBOL_SIZE <= symbols.length; at += SYMBOL_SIZE) {
        const nameOffset = symbols.readUInt32LE(at);
        const sectionIndex = symbols.readUInt16LE(at + 6);
        if (nameOffset === 0 || sectionIndex === 0) continue; // unnamed or undefined (imported)
        const end = strings.indexOf(0, nameOffset);
        names.add(strings.toString('latin1', nameOffset, end < 0 ? strings.length : end));
      }
    }
    if (names.size === 0) throw new Error(`${file} has no dynamic symbol table`);
    return names;
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(message.includes(file) ? message : `cannot read ${file}: ${message}`);
  } finally {
    closeSync(fd);
  }
}
