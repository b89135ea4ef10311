import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalFromString, formatUnscaled, unscaledAt } from '../../src/decode/index.ts';
import { decimalFromBase64 } from '../../src/decode/decimal.ts';

/** Big-endian two's complement, minimal length: how Kafka Connect's Decimal writes an unscaled value. */
function twosComplementBase64(value: bigint): string {
  let bytes = 1;
  while (value < -(1n << BigInt(bytes * 8 - 1)) || value >= 1n << BigInt(bytes * 8 - 1)) bytes += 1;
  const unsigned = value < 0n ? value + (1n << BigInt(bytes * 8)) : value;
  const hex = unsigned.toString(16).padStart(bytes * 2, '0');
  return Buffer.from(hex, 'hex').toString('base64');
}

describe('exact decimals', () => {
  it('decodes the documented example "AN3h" at scale 2 as 568.01', () => {
    const value = decimalFromBase64('AN3h', 2);
    expect(formatUnscaled(value.unscaled, value.scale)).toBe('568.01');
  });

  it('reads the sign from the first byte, at every boundary', () => {
    const unscaled = (bytes: number[]) =>
      decimalFromBase64(Buffer.from(bytes).toString('base64'), 0).unscaled;
    expect(unscaled([])).toBe(0n);
    expect(unscaled([0xff])).toBe(-1n);
    expect(unscaled([0x80])).toBe(-128n);
    expect(unscaled([0x7f])).toBe(127n);
    expect(unscaled([0x00, 0x80])).toBe(128n);
    expect(unscaled([0xff, 0x7f])).toBe(-129n);
    expect(unscaled([0x80, 0, 0, 0, 0, 0])).toBe(-(2n ** 47n));
    expect(unscaled([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff])).toBe(2n ** 47n - 1n);
    expect(unscaled([0x00, 0x80, 0, 0, 0, 0, 0])).toBe(2n ** 47n);
    expect(unscaled([0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff])).toBe(-(2n ** 47n) - 1n);
    expect(unscaled([0x80, 0, 0, 0, 0, 0, 0, 0])).toBe(-(2n ** 63n));
  });

  it('round-trips any int64-or-larger unscaled value through base64', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }),
        fc.integer({ min: 0, max: 12 }),
        (unscaled, scale) => {
          expect(decimalFromBase64(twosComplementBase64(unscaled), scale)).toEqual({
            kind: 'decimal',
            unscaled,
            scale,
          });
        },
      ),
    );
  });

  it('formats and parses as inverses', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
        fc.integer({ min: 0, max: 10 }),
        (unscaled, scale) => {
          const parsed = decimalFromString(formatUnscaled(unscaled, scale));
          expect(parsed && unscaledAt(parsed, scale)).toBe(unscaled);
        },
      ),
    );
  });

  it('rescales without rounding, and refuses to drop digits', () => {
    expect(unscaledAt({ kind: 'decimal', unscaled: 125n, scale: 1 }, 2)).toBe(1250n);
    expect(unscaledAt({ kind: 'decimal', unscaled: 1250n, scale: 3 }, 2)).toBe(125n);
    expect(unscaledAt({ kind: 'decimal', unscaled: 1251n, scale: 3 }, 2)).toBeUndefined();
    expect(formatUnscaled(-5n, 2)).toBe('-0.05');
  });
});
