/**
 * The demo's money: euros, exact. Intl.NumberFormat formats a decimal string without turning it
 * into a float.
 */
import { LOCALE } from '../shared/format.ts';

const moneyFormat = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: 'EUR' });

/** "1234.5" → "€1,234.50" */
export const money = (decimal: string): string => moneyFormat.format(decimal as `${number}`);

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
