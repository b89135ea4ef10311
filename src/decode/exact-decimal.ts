import { base64ByteLength } from './base64.ts';
import { decimal, decimalFromBase64, digitCount, formatUnscaled, type Decimal } from './decimal.ts';
import type { DecodeLimits } from './limits.ts';
import { LimitExceeded, ValueError } from './value-error.ts';

/** What a decimal's schema says about it: its scale and, for numeric(p,s), its precision. */
export interface DecimalDeclaration {
  readonly scale: number;
  /** Connect's "connect.decimal.precision": null for an unconstrained numeric, money, or older Debezium. */
  readonly precision: number | null;
}

/** PostgreSQL's numeric scale range (a negative scale rounds to tens, hundreds, ...). */
const maxScale = 16383;
const LOG2_10 = Math.log2(10);
const LOG10_256 = Math.log10(256);

/** The most bytes a minimal two's-complement encoding of a `digits`-digit integer takes (rounded up). */
function bytesFor(digits: number): number {
  return Math.floor((digits * LOG2_10 + 1) / 8) + 1;
}

/** The most digits `bytes` bytes of two's complement can hold (rounded up). */
function digitsAtMost(bytes: number): number {
  return bytes === 0 ? 1 : Math.floor(bytes * LOG10_256) + 1;
}

/** A value for a refusal's reason, shortened: the reason should not be as long as the value. */
function shown(unscaled: bigint, scale: number): string {
  const text = scale >= 0 ? formatUnscaled(unscaled, scale) : `${unscaled}E+${-scale}`;
  return text.length <= 40 ? text : `${text.slice(0, 24)}…${text.slice(-12)}`;
}

/**
 * An exact decimal from Connect's base64 bytes, refused beyond the digit cap before the bytes are
 * decoded (from the base64 length alone) and beyond its declared precision after. Digits are
 * counted as the value is written: a scale larger than the unscaled digits adds leading zeros,
 * a negative one trailing zeros (it is folded into the unscaled value, at scale 0), so no later
 * rescaling (10^scale) or formatting costs more than the cap allows.
 */
export function exactDecimal(base64: string, declared: DecimalDeclaration, limits: DecodeLimits): Decimal {
  const { scale, precision } = declared;
  const max = limits.maxDecimalDigits;
  if (scale < -maxScale || scale > maxScale) throw new ValueError(`decimal scale ${scale} is out of range`);
  if (scale > max)
    throw new LimitExceeded(`a decimal at scale ${scale}, more than the ${max} digits allowed`);
  const bytes = base64ByteLength(base64);
  if (bytes > bytesFor(max))
    throw new LimitExceeded(
      `a decimal of ${bytes} bytes, more than the ${max} digits allowed fit in (${bytesFor(max)} bytes)`,
    );
  const value = decimalFromBase64(base64, Math.max(scale, 0));
  const shift = scale < 0 && value.unscaled !== 0n ? -scale : 0;
  // Counting digits costs a toString: only when the byte length leaves the outcome open.
  if (digitsAtMost(bytes) + shift > Math.min(max, precision ?? max)) {
    const digits = digitCount(value.unscaled);
    if (precision !== null && digits > precision)
      throw new ValueError(
        `${shown(value.unscaled, scale)} has ${digits} digits, more than numeric(${precision},${scale}) allows`,
      );
    if (digits + shift > max)
      throw new LimitExceeded(`a decimal of ${digits + shift} digits, more than the ${max} allowed`);
  }
  return shift === 0 ? value : decimal(value.unscaled * 10n ** BigInt(shift), 0);
}
