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
