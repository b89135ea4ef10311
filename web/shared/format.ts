/**
 * Numbers as people read them. Amounts arrive as exact decimal strings and stay exact:
 * Intl.NumberFormat formats a decimal string without turning it into a float.
 */
const CURRENCY = 'EUR';
const LOCALE = 'en-US';

const moneyFormat = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: CURRENCY });
const countFormat = new Intl.NumberFormat(LOCALE);

/** "1234.5" → "€1,234.50" */
export const money = (decimal: string): string => moneyFormat.format(decimal as `${number}`);

/** "1234567" → "1,234,567" (BigInt strings stay exact) */
export const count = (integer: string | number): string =>
  countFormat.format(typeof integer === 'number' ? integer : BigInt(integer));

/** An instant as wall-clock time in a zone, e.g. "14:05:09". */
export const clock = (iso: string, timeZone: string): string =>
  new Intl.DateTimeFormat(LOCALE, { timeStyle: 'medium', hour12: false, timeZone }).format(new Date(iso));

/** The exact sum of decimal strings ("1.5" + "2.25" → "3.75"), at the largest scale among them. */
export function sumDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map((v) => (v.includes('.') ? v.length - v.indexOf('.') - 1 : 0)));
  const units = values.reduce((sum, v) => {
    const [whole = '0', fraction = ''] = v.replace('-', '').split('.');
    const magnitude = BigInt(whole + fraction.padEnd(scale, '0'));
    return sum + (v.startsWith('-') ? -magnitude : magnitude);
  }, 0n);
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return units < 0n ? `-${text}` : text;
}

/** "1234.500000" at scale 6 → "1,234.500000": grouped, every decimal place kept (exact). */
export const decimal = (text: string, scale: number): string =>
  // Intl formats at most 100 decimal places: beyond, the exact text as it came.
  scale > 100
    ? text
    : new Intl.NumberFormat(LOCALE, { minimumFractionDigits: scale, maximumFractionDigits: scale }).format(
        text as `${number}`,
      );
