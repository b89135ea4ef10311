/**
 * How a min/max candidate is kept in a Redis sorted set, exactly at any size.
 *
 * A sorted set orders by a double score, which cannot tell apart integers beyond 2^53 (nor any
 * beyond ~1.8e308, which all become infinite). Members with equal scores are ordered by their
 * bytes, so the member starts with an encoding of the exact value whose byte order is its numeric
 * order: rounding to a double never reverses an order, so the score orders what it can tell apart
 * and the member orders the rest. The first member (ZRANGE 0 0) is then the exact minimum and
 * the last the exact maximum, whatever the values' size.
 *
 * Encoding of an integer n with decimal digits d (no leading zeros):
 *   n >= 0: "p" + len(d) in LENGTH_DIGITS digits + d
 *   n <  0: "n" + (10^LENGTH_DIGITS - 1 - len(d)) + d with every digit replaced by 9 - digit
 * ("n" sorts before "p"; a longer negative number is smaller; among equal lengths, the nines'
 * complement reverses the digit order). Then "|" and the row key, so each row has its member.
 */
const LENGTH_DIGITS = 8;
const MAX_LENGTH = 10 ** LENGTH_DIGITS - 1;

function ninesComplement(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i += 1) out += String(9 - (digits.charCodeAt(i) - 48));
  return out;
}

/** The order-preserving text of an exact integer (see above). */
export function sortableInteger(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString();
  if (digits.length > MAX_LENGTH) throw new RangeError(`an integer of ${digits.length} digits`);
  if (!negative) return `p${String(digits.length).padStart(LENGTH_DIGITS, '0')}${digits}`;
  return `n${String(MAX_LENGTH - digits.length).padStart(LENGTH_DIGITS, '0')}${ninesComplement(digits)}`;
}

/** The exact integer at the start of a member made by extremeMember. */
export function integerOfSortable(text: string): bigint {
  const negative = text.startsWith('n');
  const length = Number(text.slice(1, 1 + LENGTH_DIGITS));
  const digitCount = negative ? MAX_LENGTH - length : length;
  const digits = text.slice(1 + LENGTH_DIGITS, 1 + LENGTH_DIGITS + digitCount);
  const magnitude = BigInt(negative ? ninesComplement(digits) : digits);
  return negative ? -magnitude : magnitude;
}

/** A row's member in a min/max sorted set: its value, sortable, then its row key. */
export function extremeMember(value: bigint, rowKey: string): string {
  return `${sortableInteger(value)}|${rowKey}`;
}

/** The exact value a member holds, as the integer's decimal text. */
export function valueOfExtremeMember(member: string): string {
  return integerOfSortable(member.slice(0, member.indexOf('|'))).toString();
}

/**
 * The member's score as Redis reads it: the nearest double, or ±inf beyond the double range
 * (JSON has no infinity, and "1e400" is refused by ZADD).
 */
export function extremeScore(value: bigint): string {
  const score = Number(value);
  if (score === Infinity) return 'inf';
  if (score === -Infinity) return '-inf';
  return String(score);
}
