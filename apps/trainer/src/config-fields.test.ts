import fs from 'node:fs';
import path from 'node:path';
import { optionFlag } from '@cihmlc/internal';
import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.js';
import { PROFILES, resolveConfig, validateConfig } from './config.js';
import { CONFIG_FIELDS, configHelp, configTableMarkdown } from './config-fields.js';

const [synthetic, paper] = [PROFILES.synthetic!, PROFILES.paper!];
const resolve = (argv: string[], file?: Record<string, unknown>) =>
  resolveConfig({
    values: parseArgs(['train', ...argv]).config,
    defaultData: { kind: 'synthetic', dir: '/tmp/synthetic', patients: 1200, seed: 7 },
    ...(file ? { file } : {}),
  });

describe('the config table', () => {
  it('has one row per config field and one field per flag', () => {
    const fields = Object.keys(PROFILES.paper!).filter((k) => k !== 'profile');
    expect(CONFIG_FIELDS.map((f) => f.name).sort()).toEqual(fields.sort());
    const flags = CONFIG_FIELDS.flatMap((f) => [
      optionFlag(f),
      ...('negation' in f ? [f.negation] : []),
    ]);
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('every profile passes its own checks', () => {
    for (const profile of Object.values(PROFILES)) {
      const config = validateConfig({
        ...profile,
        data: { kind: 'synthetic', dir: '/x', patients: 40, seed: 1 },
      });
      expect(config).toMatchObject(profile);
    }
  });

  it('reads flags by their type, booleans without a value', () => {
    const c = resolve([
      '--lambda',
      '0.3',
      '--frontal-only',
      '--no-augment',
      '--variant',
      'small',
      '--image-size=96',
    ]);
    expect(c).toMatchObject({
      lambda: 0.3,
      frontalOnly: true,
      augment: false,
      variant: 'small',
      imageSize: 96,
    });
    expect(resolve(['--augment']).augment).toBe(true);
    const spec = 'blocks=1-1-1-1,growthRate=8,initialFilters=16';
    expect(resolve(['--variant', spec]).variant).toBe(spec);
  });

  it('names the flag or the field of a bad value', () => {
    expect(() => resolve(['--penalty', 'huge'])).toThrow(
      /--penalty: "huge" is not one of none, fixed, data-driven/,
    );
    expect(() => resolve(['--variant', 'huge'])).toThrow(/--variant: .*unknown preset "huge"/);
    expect(() => resolve(['--image-size', '8'])).toThrow(/--image-size: .* \[16, 1024\]/);
    expect(() => resolve(['--epochs', '1.5'])).toThrow(/--epochs: 1.5 is not an integer/);
    expect(() => resolve(['--lr', ''])).toThrow(/--lr:/);
    expect(() => resolve(['--colour', 'red'])).toThrow(/--colour: unknown option/);
    expect(() => resolve([], { lambda: 'much' })).toThrow(/config lambda: "much"/);
    expect(() => resolve([], { learningrate: 0.1 })).toThrow(/config learningrate: unknown field/);
    expect(() => resolve(['--label-set', 'flat14'])).toThrow(/penalty.*no hierarchy/);
  });

  it("reads the commands' own options, typed, with their defaults", () => {
    const argv = [
      'evaluate',
      '--run',
      'r',
      '--patients',
      '40',
      '--steal-lock',
      '--backend',
      'wasm',
    ];
    const { command, options, config } = parseArgs(argv);
    expect(command).toBe('evaluate');
    expect(options).toMatchObject({
      run: 'r',
      patients: 40,
      stealLock: true,
      keras: false,
      checkpoint: 'best-loss',
      split: 'test',
      cacheDir: '.cache/cihmlc',
    });
    expect(config).toEqual({ backend: 'wasm' });
    expect(() => parseArgs(['--patients', '5'])).toThrow('--patients: "5" is not an integer ≥ 10');
    expect(() => parseArgs(['train', '--out'])).toThrow(/^--out: needs a value/);
  });

  it('makes --help and the README table from the same rows', () => {
    const help = configHelp(synthetic, paper);
    for (const f of CONFIG_FIELDS) expect(help).toContain(`--${optionFlag(f)}`);
    // The README may be reformatted (padding, dash runs): compare cell by cell.
    const cells = (line: string) =>
      line
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/^-{3,}(:?)$/, '---$1'))
        .join('|');
    const readme = fs.readFileSync(path.join(__dirname, '../README.md'), 'utf8').split('\n');
    const table = configTableMarkdown(synthetic, paper).split('\n');
    const start = readme.findIndex((l) => cells(l) === cells(table[0]!));
    const inReadme = readme.slice(start, start + table.length).map(cells);
    expect(
      inReadme,
      `apps/trainer/README.md's config table is out of date; replace it with:\n${table.join('\n')}`,
    ).toEqual(table.map(cells));
  });
});
