/**
 * An exact decimal: unscaled × 10^-scale. Money and sums stay in this form (or as integer minor
 * units) from the wire to the GraphQL response; nothing here touches floating point.
 */
export interface Decimal {
  readonly kind: 'decimal';
  readonly unscaled: bigint;
  readonly scale: number;
}

export function decimal(unscaled: bigint, scale: number): Decimal {
  return { kind: 'decimal', unscaled, scale };
}

/**
 * Debezium's precise mode: big-endian two's-complement bytes of the unscaled value, base64.
 * Linear in the bytes: BigInt reads hexadecimal digit by digit without the quadratic cost of
 * shifting a growing BigInt once per byte (a 900 KiB value took minutes that way).
 */
export function decimalFromBase64(base64: string, scale: number): Decimal {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) return decimal(0n, scale);
  // Up to 6 bytes (most amounts) fit a double exactly: no text to build and parse.
  if (bytes.length <= 6) return decimal(BigInt(bytes.readIntBE(0, bytes.length)), scale);
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  const negative = (bytes[0] ?? 0) >= 0x80;
  return decimal(negative ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned, scale);
}

/** Decimal digits of an integer's magnitude (0 has one). */
export function digitCount(value: bigint): number {
  return (value < 0n ? -value : value).toString().length;
}

const decimalText = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Parses a plain decimal string ("-12.50"), as Debezium's string mode sends it. */
export function decimalFromString(text: string): Decimal | undefined {
  if (lastFormatted !== null && lastFormatted.text === text)
    return decimal(lastFormatted.unscaled, lastFormatted.scale);
  const match = decimalText.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '', fraction = ''] = match;
  const unscaled = BigInt(whole + fraction);
  return decimal(sign === '-' ? -unscaled : unscaled, fraction.length);
}

/**
 * The unscaled integer of `value` at `scale` (e.g. minor units at scale 2). Returns undefined when
 * that would drop non-zero digits, so callers can refuse instead of rounding money.
 */
export function unscaledAt(value: Decimal, scale: number): bigint | undefined {
  if (scale === value.scale) return value.unscaled;
  if (scale >= value.scale) return value.unscaled * 10n ** BigInt(scale - value.scale);
  const divisor = 10n ** BigInt(value.scale - scale);
  if (value.unscaled % divisor !== 0n) return undefined;
  return value.unscaled / divisor;
}

// The last decimal formatted: a decoded amount is remembered as text and read back as a decimal by
// the models right after, which then costs no parsing. (Its text is its canonical form, so the
// same text always means the same unscaled value and scale.)
let lastFormatted: { readonly text: string; readonly unscaled: bigint; readonly scale: number } | null = null;

/** Formats an unscaled integer at a scale as a decimal string: (123450n, 2) → "1234.50". */
export function formatUnscaled(unscaled: bigint, scale: number): string {
  const text = formatText(unscaled, scale);
  lastFormatted = { text, unscaled, scale };
  return text;
}

function formatText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = scale === 0 ? digits : digits.slice(0, -scale);
  const fraction = scale === 0 ? '' : `.${digits.slice(-scale)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

export function isDecimal(value: unknown): value is Decimal {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'decimal';
}
