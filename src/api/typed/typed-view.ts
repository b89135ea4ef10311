import { formatUnscaled } from '../../decode/index.ts';
import type { MeasureDefinition, ReadModelDefinition } from '../../definitions/index.ts';
import type { ModelSnapshot } from '../../store/index.ts';
import {
  MAX_ROWS,
  QueryRejected,
  instantArgument,
  runAdHocQuery,
  type AdHocMeasure,
  type AdHocRow,
} from '../ad-hoc-query.ts';
import { dimensionsOf } from '../model-view.ts';
import { RANK_FIELD, enumValue, modelNames } from './graphql-names.ts';
import { DEFAULT_TYPED_ROWS } from './typed-sdl.ts';

/** A typed field's arguments as GraphQL hands them over (see typed-sdl.ts). */
export interface TypedArgs {
  readonly where?: Readonly<Record<string, ReadonlyArray<string | null> | null | undefined>> | null;
  readonly from?: string | null;
  readonly to?: string | null;
  readonly granularity?: 'MINUTE' | 'HOUR' | 'DAY' | null;
  readonly timeZone?: string | null;
  readonly orderBy?: ReadonlyArray<{
    readonly by: string;
    readonly direction?: 'ASC' | 'DESC' | null;
  }> | null;
  readonly limit?: number | null;
}

export type TypedRow = Record<string, unknown>;

export interface TypedAnswer {
  readonly rows: TypedRow[];
  readonly totalRows: number;
  readonly freshness: ModelSnapshot;
}

function measureValue(measure: AdHocMeasure | undefined): string | null {
  return measure ? (measure.integer ?? measure.decimal) : null;
}

/** What an ungrouped model's single row says before any row reached it. */
function emptyValue(measure: MeasureDefinition): string | null {
  switch (measure.type) {
    case 'count':
    case 'distinct':
      return '0';
    case 'sum':
      return formatUnscaled(0n, measure.scale);
    default:
      return null;
  }
}

/** Each ranked group's place (from 1) in its bucket's top N, keyed by bucket start and group. */
function ranks(snapshot: ModelSnapshot): Map<string, number> {
  const places = new Map<string, number>();
  for (const bucket of snapshot.buckets)
    bucket.ranking?.forEach((group, index) => places.set(JSON.stringify([bucket.startMs, group]), index + 1));
  return places;
}

/**
 * A typed field's answer from one snapshot: every dimension kept, filtered, ordered and limited
 * by the arguments, each row's fields named as in the generated schema. Exact throughout: the
 * values are runAdHocQuery's exact texts.
 */
export function typedAnswer(
  definition: ReadModelDefinition,
  snapshot: ModelSnapshot,
  args: TypedArgs,
): TypedAnswer {
  const names = modelNames(definition);
  const dimensions = dimensionsOf(definition);
  const byField = new Map([...names.rowFields].map(([name, field]) => [field, name]));
  const byEnum = new Map(
    [...(definition.top ? [RANK_FIELD] : []), ...names.rowFields.keys()].map((name) => [
      enumValue(name),
      name,
    ]),
  );
  const limit = args.limit ?? definition.top?.limit ?? DEFAULT_TYPED_ROWS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROWS)
    throw new QueryRejected(`limit must be between 1 and ${MAX_ROWS}, got ${limit}`, 'limit');
  const where = Object.entries(args.where ?? {}).flatMap(([field, values]) =>
    values ? [{ dimension: byField.get(field) ?? field, in: [...values] }] : [],
  );
  const orderBy = (args.orderBy ?? []).map((order) => ({
    by: byEnum.get(order.by) ?? order.by,
    descending: order.direction === 'DESC',
  }));
  const rankFirst = definition.top !== undefined && (orderBy.length === 0 || orderBy[0]?.by === RANK_FIELD);
  const rankDescending = orderBy[0]?.by === RANK_FIELD && orderBy[0].descending;
  if (orderBy.slice(1).some((order) => order.by === RANK_FIELD))
    throw new QueryRejected(`${enumValue(RANK_FIELD)} can only come first in orderBy`, 'orderBy');
  const granularity = args.granularity ? (args.granularity.toLowerCase() as 'minute' | 'hour' | 'day') : null;
  const result = runAdHocQuery(definition, snapshot, {
    where,
    fromMs: instantArgument(args.from, 'from'),
    toMs: instantArgument(args.to, 'to'),
    granularity,
    timeZone: args.timeZone ?? null,
    orderBy: orderBy.filter((order) => order.by !== RANK_FIELD),
    // Ranked rows are placed after the query; the limit then applies to that order.
    limit: rankFirst ? Number.MAX_SAFE_INTEGER : limit,
  });
  const time = dimensions.find((d) => d.kind === 'time');
  const ownBuckets = granularity === null || granularity === time?.unit;
  const places = definition.top ? ranks(snapshot) : null;
  const rankOf = (row: AdHocRow): number | null =>
    places && ownBuckets
      ? (places.get(JSON.stringify([row.time?.startMs ?? null, row.dimensions.map((d) => d.value)])) ?? null)
      : null;
  let rows = result.rows.map((row) => ({ row, rank: rankOf(row) }));
  // A top-N model with time buckets ranks within each bucket: bucket by bucket, in time order.
  if (rankFirst)
    rows = rows
      .map((entry, index) => ({ ...entry, index }))
      .sort((a, b) => {
        const byTime = (a.row.time?.startMs ?? 0) - (b.row.time?.startMs ?? 0);
        if (byTime !== 0) return byTime;
        if (a.rank === b.rank) return a.index - b.index;
        if (a.rank === null) return 1; // outside the top N: after it, either direction
        if (b.rank === null) return -1;
        return rankDescending ? b.rank - a.rank : a.rank - b.rank;
      })
      .slice(0, limit);
  const typed = rows.map(({ row, rank }) => {
    const out: TypedRow = {};
    if (definition.top) out[RANK_FIELD] = rank;
    if (time)
      out[names.rowFields.get(time.name) ?? time.name] = row.time && {
        start: new Date(row.time.startMs).toISOString(),
        local: row.time.label,
      };
    for (const { name, value } of row.dimensions) out[names.rowFields.get(name) ?? name] = value;
    for (const measure of definition.measures)
      out[names.rowFields.get(measure.name) ?? measure.name] = measureValue(
        row.measures.find((m) => m.name === measure.name),
      );
    return out;
  });
  // A model without dimensions always answers one row: "no open tickets" is 0, not nothing.
  if (dimensions.length === 0 && typed.length === 0) {
    const out: TypedRow = {};
    if (definition.top) out[RANK_FIELD] = null;
    for (const measure of definition.measures)
      out[names.rowFields.get(measure.name) ?? measure.name] = emptyValue(measure);
    return { rows: [out], totalRows: 1, freshness: snapshot };
  }
  return { rows: typed, totalRows: result.totalRows, freshness: snapshot };
}
