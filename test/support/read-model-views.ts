import { roundedQuotient } from '../../src/api/measure-values.ts';
import { formatUnscaled } from '../../src/decode/index.ts';
import type { MeasureDefinition } from '../../src/definitions/index.ts';
import type { CompiledModel } from '../../src/projection/index.ts';
import type { GroupState, ModelSnapshot } from '../../src/store/index.ts';

/** "bucket / group" → measure → exact text, plus "bucket / top" → the ranked groups. */
export type ModelView = Record<string, Record<string, string>>;

/** A stored snapshot as exact text per group and measure, formatted as the API formats it. */
export function snapshotView(model: CompiledModel, snapshot: ModelSnapshot): ModelView {
  const view: ModelView = {};
  for (const bucket of snapshot.buckets) {
    const label = bucket.label ?? '-';
    for (const group of bucket.groups) {
      const entry: Record<string, string> = {};
      for (const measure of model.definition.measures) {
        const text = measureText(measure, group);
        if (text !== null) entry[measure.name] = text;
      }
      view[`${label} / ${JSON.stringify(group.group)}`] = entry;
    }
    if (bucket.ranking) view[`${label} / top`] = { ranking: JSON.stringify(bucket.ranking) };
  }
  return view;
}

/**
 * A measure of one group as exact text: counts and distinct counts as integers, sums, averages and
 * extremes as decimals at the measure's scale. Null when no row has a value (min/max, avg).
 */
function measureText(measure: MeasureDefinition, group: GroupState): string | null {
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
