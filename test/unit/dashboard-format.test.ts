import { describe, expect, it } from 'vitest';
import { money, sumDecimals } from '../../web/demo/money.ts';
import { count, decimal } from '../../web/shared/format.ts';

describe("the dashboard's number formats", () => {
  it('formats exact decimal strings as money with two decimals, never through a float', () => {
    expect(money('1234.5')).toBe('€1,234.50');
    expect(money('0.10')).toBe('€0.10');
    expect(money('-45.67')).toBe('-€45.67');
    // 2^53 + 1 cents would lose its last digit as a float.
    expect(money('90071992547409.93')).toBe('€90,071,992,547,409.93');
  });

  it('groups big integers exactly', () => {
    expect(count('12345678901234567890')).toBe('12,345,678,901,234,567,890');
    expect(count(0)).toBe('0');
  });

  it('adds decimal strings exactly, and keeps every decimal place of a measure', () => {
    expect(sumDecimals(['0.10', '0.2', '-1.005', '18446744073709551615.99'])).toBe(
      '18446744073709551615.285',
    );
    expect(sumDecimals([])).toBe('0');
    expect(decimal('1234.500000', 6)).toBe('1,234.500000');
    expect(decimal('-0.000001', 6)).toBe('-0.000001');
  });
});
