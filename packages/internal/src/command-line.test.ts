import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line.js';
import { boolean, integer, number, OptionError, oneOf, option, text } from './options.js';

const ROWS = [
  option({ name: 'labelSet', type: oneOf(['flat14', 'hierarchical21']), help: 'labels' }),
  option({ name: 'lr', type: number(0, 1), default: 0.5, help: 'rate' }),
  option({ name: 'augment', type: boolean, default: true, help: 'flip', negation: 'no-augment' }),
  option({ name: 'root', type: text, multiple: true, help: 'image roots' }),
  option({ name: 'size', type: integer(16), help: 'pixels' }),
  option({ name: 'help', type: boolean, short: 'h', help: 'this help' }),
];

const parse = (...argv: string[]) => parseCommandLine(argv, ROWS, { allowPositionals: true });
const failure = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(OptionError);
    return (err as Error).message;
  }
  throw new Error('did not throw');
};

describe('parseCommandLine', () => {
  it('reads typed values, applies defaults and says which options were given', () => {
    const { values, positionals, given } = parse(
      'train',
      '--label-set',
      'flat14',
      '--size=64',
      '--no-augment',
      'a.png',
    );
    expect(values).toEqual({ labelSet: 'flat14', size: 64, augment: false, lr: 0.5, help: false });
    expect(positionals).toEqual(['train', 'a.png']);
    expect([...given].sort()).toEqual(['augment', 'labelSet', 'size']);
    // A row without a default is absent (not undefined) when not given.
    expect('root' in values).toBe(false);
  });

  it('keeps every value of a multiple option and the last of any other', () => {
    const { values } = parse('--root', 'a', '--root=b', '--lr', '0.1', '--lr', '0.2');
    expect(values.root).toEqual(['a', 'b']);
    expect(values.lr).toBe(0.2);
    expect(parse('--no-augment', '--augment').values.augment).toBe(true);
  });

  it('reads short flags and stops reading options at --', () => {
    expect(parse('-h').values.help).toBe(true);
    expect(parse('--', '--size').positionals).toEqual(['--size']);
  });

  it('names the flag of every problem', () => {
    expect(failure(() => parse('--colour', 'red'))).toBe('--colour: unknown option');
    expect(failure(() => parse('-x'))).toBe('-x: unknown option');
    expect(failure(() => parse('--size'))).toMatch(/^--size: needs a value/);
    expect(failure(() => parse('--size', '--help'))).toMatch(/^--size: needs a value/);
    expect(failure(() => parse('--help=yes'))).toBe('--help: takes no value');
    expect(failure(() => parse('--size', '8'))).toBe('--size: "8" is not an integer ≥ 16');
    expect(failure(() => parse('--label-set', 'flat15'))).toBe(
      '--label-set: "flat15" is not one of flat14, hierarchical21',
    );
    expect(failure(() => parseCommandLine(['extra'], ROWS))).toBe('"extra": unexpected argument');
  });

  it('takes a value that starts with - when it is attached', () => {
    expect(failure(() => parse('--lr=-1'))).toBe('--lr: "-1" is not a number in [0, 1]');
  });
});
