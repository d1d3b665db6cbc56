import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDynamicSymbols } from './elf-symbols.js';
import { writeElfFixture } from './testing/elf-fixture.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cihmlc-elf-'));
const hasNm = spawnSync('nm', ['--version']).status === 0;

/** `nm -D --defined-only` as the independent reference. */
function nmDefined(file: string): Set<string> {
  const out = spawnSync('nm', ['-D', '--defined-only', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (out.status !== 0) throw new Error(out.stderr);
  return new Set(
    out.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/).at(-1)?.replace(/@.*$/, '') ?? '')
      .filter(Boolean),
  );
}

describe('readDynamicSymbols', () => {
  it('lists the defined dynamic symbols and leaves out imported ones', () => {
    const file = path.join(dir, 'libfixture.so');
    writeElfFixture(file, ['TF_Version', 'TFE_NewContext'], ['malloc', 'TF_Imported']);
    expect([...readDynamicSymbols(file)].sort()).toEqual(['TFE_NewContext', 'TF_Version']);
  });

  it.runIf(hasNm)('agrees with nm -D on the fixture and on a system library', () => {
    const file = path.join(dir, 'libfixture2.so');
    writeElfFixture(file, ['a_b', 'c'], ['d']);
    expect(readDynamicSymbols(file)).toEqual(nmDefined(file));
    const libm = [
      '/lib/x86_64-linux-gnu/libm.so.6',
      '/usr/lib/x86_64-linux-gnu/libm.so.6',
      '/lib/aarch64-linux-gnu/libm.so.6',
    ].find(existsSync);
    if (!libm) return;
    const ours = readDynamicSymbols(libm);
    expect(ours.size).toBeGreaterThan(100);
    expect(ours).toEqual(nmDefined(libm));
  });

  it('names the file when it is missing, not ELF or not 64-bit little-endian', () => {
    expect(() => readDynamicSymbols(path.join(dir, 'absent.so'))).toThrow(
      /cannot open .*absent\.so/,
    );
    const text = path.join(dir, 'text.so');
    writeFileSync(text, 'INPUT(-lfoo)\n'.repeat(10)); // a linker script, as some .so files are
    expect(() => readDynamicSymbols(text)).toThrow(/text\.so is not an ELF file/);
    const elf32 = path.join(dir, 'elf32.so');
    const bytes = Buffer.alloc(64);
    bytes.writeUInt32BE(0x7f454c46, 0);
    bytes[4] = 1;
    bytes[5] = 1;
    writeFileSync(elf32, bytes);
    expect(() => readDynamicSymbols(elf32)).toThrow(/elf32\.so is not a 64-bit little-endian ELF/);
    const short = path.join(dir, 'short.so');
    writeFileSync(short, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]));
    expect(() => readDynamicSymbols(short)).toThrow(/short\.so.*truncated ELF header/);
  });
});
