import { formatUnscaled } from '../decode/index.ts';
import type { MeasureDefinition } from '../definitions/index.ts';
import type { GroupState } from '../store/index.ts';

/** sum / n rounded half away from zero, in the same units. */
export function roundedQuotient(sum: bigint, n: bigint): bigint {
  const negative = sum < 0n;
  const magnitude = negative ? -sum : sum;
  const quotient = (magnitude * 2n + n) / (2n * n);
  return negative ? -quotient : quotient;
}

/**
 * A measure of one group as exact text: counts and distinct counts as integers, sums, averages and
 * extremes as decimals at the measure's scale. Null when no row has a value (min/max, avg).
 */
export function measureText(measure: MeasureDefinition, group: GroupState): string | null {
  switch (measure.type) {
    case 'count':
      return (group.counters[measure.name] ?? 0n).toString();
    case 'sum':
      return formatUnscaled(group.counters[measure.name] ?? 0n, measure.scale);
    case 'avg': {
      const n = group.counters[`${measure.name}.n`] ?? 0n;
      if (n === 0n) return null;
      return formatUnscaled(roundedQuotient(group.counters[`${measure.name}.sum`] ?? 0n, n), measure.scale);
    }
    case 'min':
    case 'max': {
      const units = group.extremes[measure.name];
      return units === undefined || units === null ? null : formatUnscaled(BigInt(units), measure.scale);
    }
    case 'distinct':
      return (group.distincts[measure.name] ?? 0n).toString();
  }
}
