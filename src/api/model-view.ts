import type { ReadModelDefinition } from '../definitions/index.ts';
import type { BucketUnit } from '../projection/index.ts';
import type { GroupState, ModelSnapshot } from '../store/index.ts';

/** A read model's dimension as the API describes it. */
export interface DimensionInfo {
  readonly name: string;
  readonly kind: 'column' | 'time' | 'band';
  /** The source column (null for a time bucket of the commit time). */
  readonly column: string | null;
  readonly unit: BucketUnit | null;
  readonly timeZone: string | null;
  readonly edges: readonly string[] | null;
}

export function dimensionsOf(definition: ReadModelDefinition): DimensionInfo[] {
  return definition.dimensions.map((dimension): DimensionInfo => {
    if ('bucket' in dimension) {
      const { bucket } = dimension;
      return {
        name: dimension.name,
        kind: 'time',
        column: 'column' in bucket ? bucket.column : null,
        unit: bucket.unit,
        timeZone: bucket.timeZone,
        edges: null,
      };
    }
    if ('bands' in dimension) {
      const { bands } = dimension;
      return {
        name: dimension.name,
        kind: 'band',
        column: bands.column,
        unit: null,
        timeZone: null,
        edges: bands.edges,
      };
    }
    const name = dimension.name ?? dimension.column;
    return { name, kind: 'column', column: dimension.column, unit: null, timeZone: null, edges: null };
  });
}

/** The dimensions stored in a group's values (all but the time bucket), in that order. */
function groupDimensionsOf(definition: ReadModelDefinition): DimensionInfo[] {
  return dimensionsOf(definition).filter((dimension) => dimension.kind !== 'time');
}

export function timeDimensionOf(definition: ReadModelDefinition): DimensionInfo | null {
  return dimensionsOf(definition).find((dimension) => dimension.kind === 'time') ?? null;
}

/** One group of one time bucket, with its dimension values by name. */
export interface ModelRow {
  readonly bucket: { readonly startMs: number; readonly label: string } | null;
  readonly values: Readonly<Record<string, string | null>>;
  readonly group: GroupState;
}

/** A snapshot as rows: one per bucket and group, buckets in time order. */
export function modelRows(definition: ReadModelDefinition, snapshot: ModelSnapshot): ModelRow[] {
  const names = groupDimensionsOf(definition).map((dimension) => dimension.name);
  const rows: ModelRow[] = [];
  for (const bucket of snapshot.buckets) {
    const time =
      bucket.startMs === null || bucket.label === null
        ? null
        : { startMs: bucket.startMs, label: bucket.label };
    for (const group of bucket.groups) {
      const values: Record<string, string | null> = {};
      names.forEach((name, index) => (values[name] = group.group[index] ?? null));
      rows.push({ bucket: time, values, group });
    }
  }
  return rows.sort((a, b) => (a.bucket?.startMs ?? 0) - (b.bucket?.startMs ?? 0));
}
