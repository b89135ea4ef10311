import { measureText } from '../../src/api/measure-values.ts';
import type { CompiledModel } from '../../src/projection/index.ts';
import type { ModelSnapshot } from '../../src/store/index.ts';

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
