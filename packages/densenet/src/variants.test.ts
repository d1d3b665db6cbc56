import { describe, expect, it } from 'vitest';
import {
  DENSENET_PRESET_NAMES,
  DENSENET_PRESETS,
  kerasModelName,
  resolveVariant,
  variantName,
} from './variants.js';

describe('resolveVariant', () => {
  it('returns the Keras block counts for the named DenseNets', () => {
    expect(resolveVariant('densenet121').blocks).toEqual([6, 12, 24, 16]);
    expect(resolveVariant('densenet169').blocks).toEqual([6, 12, 32, 32]);
    expect(resolveVariant('densenet201').blocks).toEqual([6, 12, 48, 32]);
    for (const name of ['densenet121', 'densenet169', 'densenet201'] as const) {
      expect(resolveVariant(name)).toMatchObject({ growthRate: 32, initialFilters: 64 });
    }
  });

  it('lists every preset', () => {
    expect(DENSENET_PRESET_NAMES).toEqual(Object.keys(DENSENET_PRESETS));
    expect(DENSENET_PRESET_NAMES).toContain('tiny');
    expect(DENSENET_PRESET_NAMES).toContain('small');
  });

  it('accepts and copies a custom configuration', () => {
    const custom = { blocks: [2, 3], growthRate: 4, initialFilters: 8 };
    const resolved = resolveVariant(custom);
    expect(resolved).toEqual(custom);
    expect(resolved.blocks).not.toBe(custom.blocks);
  });

  it('names the bad field of a custom configuration', () => {
    expect(() => resolveVariant('densenet122' as never)).toThrow(/unknown preset "densenet122"/);
    expect(() => resolveVariant('densenet122' as never)).toThrow(RangeError);
    expect(() => resolveVariant({ blocks: [], growthRate: 4, initialFilters: 8 })).toThrow(
      /blocks/,
    );
    expect(() => resolveVariant({ blocks: [], growthRate: 4, initialFilters: 8 })).toThrow(
      RangeError,
    );
    expect(() => resolveVariant({ blocks: [2, 0], growthRate: 4, initialFilters: 8 })).toThrow(
      /blocks\[1\]/,
    );
    expect(() => resolveVariant({ blocks: [2, 0], growthRate: 4, initialFilters: 8 })).toThrow(
      RangeError,
    );
    expect(() => resolveVariant({ blocks: [2], growthRate: 1.5, initialFilters: 8 })).toThrow(
      /growthRate/,
    );
    expect(() => resolveVariant({ blocks: [2], growthRate: 1.5, initialFilters: 8 })).toThrow(
      RangeError,
    );
    expect(() => resolveVariant({ blocks: [2], growthRate: 4, initialFilters: -1 })).toThrow(
      /initialFilters/,
    );
    expect(() => resolveVariant({ blocks: [2], growthRate: 4, initialFilters: -1 })).toThrow(
      RangeError,
    );
  });

  it('gives Keras model names to the Keras configurations only', () => {
    expect(kerasModelName(resolveVariant('densenet169'))).toBe('densenet169');
    expect(kerasModelName({ blocks: [6, 12, 24, 16], growthRate: 12, initialFilters: 64 })).toBe(
      'densenet',
    );
  });

  it('writes a custom configuration as a spec string that resolves back, presets by name', () => {
    const custom = { blocks: [1, 1, 1, 1], growthRate: 8, initialFilters: 16 };
    const spec = variantName(custom);
    expect(spec).toBe('blocks=1-1-1-1,growthRate=8,initialFilters=16');
    expect(resolveVariant(spec)).toEqual(custom);
    expect(variantName({ blocks: [6, 12, 24, 16], growthRate: 32, initialFilters: 64 })).toBe(
      'densenet121',
    );
    expect(variantName('tiny')).toBe('tiny');
    expect(() => resolveVariant('blocks=1-x,growthRate=8,initialFilters=16' as never)).toThrow(
      /is not of the form blocks=/,
    );
    expect(() => resolveVariant('blocks=1-x,growthRate=8,initialFilters=16' as never)).toThrow(
      RangeError,
    );
    expect(() => resolveVariant('blocks=1-0,growthRate=8,initialFilters=16')).toThrow(
      /blocks\[1\]/,
    );
  });
});
