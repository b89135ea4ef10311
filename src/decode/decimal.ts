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

/** Debezium's precise mode: big-endian two's-complement bytes of the unscaled value, base64. */
export function decimalFromBase64(base64: string, scale: number): Decimal {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) return decimal(0n, scale);
  let unscaled = 0n;
  for (const byte of bytes) unscaled = (unscaled << 8n) | BigInt(byte);
  const negative = (bytes[0] ?? 0) >= 0x80;
  if (negative) unscaled -= 1n << BigInt(bytes.length * 8);
  return decimal(unscaled, scale);
}

const decimalText = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Parses a plain decimal string ("-12.50"), as Debezium's string mode sends it. */
export function decimalFromString(text: string): Decimal | undefined {
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
  if (scale >= value.scale) return value.unscaled * 10n ** BigInt(scale - value.scale);
  const divisor = 10n ** BigInt(value.scale - scale);
  if (value.unscaled % divisor !== 0n) return undefined;
  return value.unscaled / divisor;
}

/** Formats an unscaled integer at a scale as a decimal string: (123450n, 2) → "1234.50". */
export function formatUnscaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = scale === 0 ? digits : digits.slice(0, -scale);
  const fraction = scale === 0 ? '' : `.${digits.slice(-scale)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

export function isDecimal(value: unknown): value is Decimal {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'decimal';
}
