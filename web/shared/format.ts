/**
 * Numbers as people read them. Amounts arrive as exact decimal strings and stay exact:
 * Intl.NumberFormat formats a decimal string without turning it into a float.
 */
export const LOCALE = 'en-US';

const countFormat = new Intl.NumberFormat(LOCALE);

/** "1234567" → "1,234,567" (BigInt strings stay exact) */
export const count = (integer: string | number): string =>
  countFormat.format(typeof integer === 'number' ? integer : BigInt(integer));

/** An instant as wall-clock time in a zone, e.g. "14:05:09". */
export const clock = (iso: string, timeZone: string): string =>
  new Intl.DateTimeFormat(LOCALE, { timeStyle: 'medium', hour12: false, timeZone }).format(new Date(iso));

/** "1234.500000" at scale 6 → "1,234.500000": grouped, every decimal place kept (exact). */
export const decimal = (text: string, scale: number): string =>
  // Intl formats at most 100 decimal places: beyond, the exact text as it came.
  scale > 100
    ? text
    : new Intl.NumberFormat(LOCALE, { minimumFractionDigits: scale, maximumFractionDigits: scale }).format(
        text as `${number}`,
      );
