import { formatUnscaled } from '../decode/index.ts';
import { isTimeZone, type MeasureDefinition, type ReadModelDefinition } from '../definitions/index.ts';
import { bandLabels, bucketOf, type BucketUnit } from '../projection/index.ts';
import type { GroupState, ModelSnapshot } from '../store/index.ts';
import { roundedQuotient } from './measure-values.ts';
import { dimensionsOf, modelRows, timeDimensionOf } from './model-view.ts';

/** An analyst's question to one read model. Every list is optional: the default is "all". */
export interface AdHocRequest {
  readonly where?: ReadonlyArray<{ readonly dimension: string; readonly in: ReadonlyArray<string | null> }>;
  /** Time buckets starting at or after `fromMs` and before `toMs`. */
  readonly fromMs?: number | null;
  readonly toMs?: number | null;
  /** Roll time buckets up to this unit (not finer than the model's). */
  readonly granularity?: BucketUnit | null;
  /** The zone whose calendar the rolled-up buckets follow (default: the model's). */
  readonly timeZone?: string | null;
  /** Dimensions to keep (the time dimension by its name); the others are added up. */
  readonly groupBy?: readonly string[] | null;
  readonly measures?: readonly string[] | null;
  readonly orderBy?: ReadonlyArray<{ readonly by: string; readonly descending: boolean }> | null;
  readonly limit: number;
}

export interface AdHocMeasure {
  readonly name: string;
  readonly type: MeasureDefinition['type'];
  /** count and distinct: an exact integer. */
  readonly integer: string | null;
  /** sum, avg, min, max: an exact decimal at the measure's scale. */
  readonly decimal: string | null;
}

export interface AdHocRow {
  readonly time: { readonly startMs: number; readonly label: string } | null;
  readonly dimensions: ReadonlyArray<{ readonly name: string; readonly value: string | null }>;
  readonly measures: readonly AdHocMeasure[];
}

/** A request that cannot be answered, naming the argument at fault. */
export class QueryRejected extends Error {
  readonly argument: string;

  constructor(message: string, argument: string) {
    super(message);
    this.argument = argument;
  }
}

/** The most rows one answer holds (`aggregate`'s and every typed field's `limit`). */
export const MAX_ROWS = 1000;

/** An ISO-8601 instant argument as epoch ms (null when not given); anything else is refused. */
export function instantArgument(text: string | null | undefined, argument: string): number | null {
  if (text === null || text === undefined) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new QueryRejected(`${argument} must be an ISO-8601 instant, got "${text}"`, argument);
  return ms;
}

const UNIT_ORDER: readonly BucketUnit[] = ['minute', 'hour', 'day'];

/** Exact partial results of a result row: what can be added up across groups. */
interface Accumulator {
  time: { startMs: number; label: string } | null;
  dimensions: Array<{ name: string; value: string | null }>;
  counters: Map<string, bigint>;
  extremes: Map<string, bigint | null>;
  distincts: Map<string, bigint>;
}

function compareNullable(a: bigint | string | null, b: bigint | string | null): number {
  if (a === b) return 0;
  if (a === null) return 1; // no value sorts last either way round
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function validate(definition: ReadModelDefinition, request: AdHocRequest) {
  const dimensions = dimensionsOf(definition);
  const names = dimensions.map((d) => d.name);
  const time = timeDimensionOf(definition);
  const known = (name: string, argument: string) => {
    if (!names.includes(name))
      throw new QueryRejected(
        `read model "${definition.name}" has no dimension "${name}" (it has: ${names.join(', ') || 'none'})`,
        argument,
      );
  };
  for (const filter of request.where ?? []) known(filter.dimension, 'where');
  if (time && request.where?.some((filter) => filter.dimension === time.name))
    throw new QueryRejected(`filter the time dimension "${time.name}" with from/to`, 'where');
  const groupBy = request.groupBy ?? names;
  for (const name of groupBy) known(name, 'groupBy');
  const measureNames = definition.measures.map((m) => m.name);
  const measures = (request.measures ?? measureNames).map((name) => {
    const measure = definition.measures.find((m) => m.name === name);
    if (!measure)
      throw new QueryRejected(
        `read model "${definition.name}" has no measure "${name}" (it has: ${measureNames.join(', ')})`,
        'measures',
      );
    return measure;
  });
  if (!time && (request.fromMs != null || request.toMs != null || request.granularity != null))
    throw new QueryRejected(
      `read model "${definition.name}" has no time dimension`,
      request.granularity ? 'granularity' : 'from',
    );
  const granularity = request.granularity ?? time?.unit ?? null;
  if (time?.unit && granularity && UNIT_ORDER.indexOf(granularity) < UNIT_ORDER.indexOf(time.unit))
    throw new QueryRejected(
      `read model "${definition.name}" is bucketed by ${time.unit}: no finer granularity`,
      'granularity',
    );
  const timeZone = request.timeZone ?? time?.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone))
    throw new QueryRejected(
      `timeZone must be an IANA zone such as Europe/Berlin, got "${timeZone}"`,
      'timeZone',
    );
  // A distinct count of merged groups is not the sum of their counts: refuse rather than guess.
  const merges = groupBy.length < names.length || (time !== null && granularity !== time.unit);
  const distinct = measures.find((m) => m.type === 'distinct');
  if (merges && distinct)
    throw new QueryRejected(
      `measure "${distinct.name}" is a distinct count, which cannot be added up across groups: group by every dimension at the model's own time unit, or leave it out`,
      'measures',
    );
  for (const order of request.orderBy ?? []) {
    if (!groupBy.includes(order.by) && !measures.some((m) => m.name === order.by))
      throw new QueryRejected(
        `cannot order by "${order.by}": it is neither a grouped dimension nor a chosen measure`,
        'orderBy',
      );
  }
  return { time, groupBy, measures, granularity, timeZone };
}

function addGroup(acc: Accumulator, measures: readonly MeasureDefinition[], group: GroupState): void {
  for (const measure of measures) {
    const add = (field: string) =>
      acc.counters.set(field, (acc.counters.get(field) ?? 0n) + (group.counters[field] ?? 0n));
    switch (measure.type) {
      case 'count':
      case 'sum':
        add(measure.name);
        break;
      case 'avg':
        add(`${measure.name}.sum`);
        add(`${measure.name}.n`);
        break;
      case 'min':
      case 'max': {
        const text = group.extremes[measure.name];
        const value = text === undefined || text === null ? null : BigInt(text);
        const seen = acc.extremes.get(measure.name) ?? null;
        const better =
          measure.type === 'min' ? (x: bigint, y: bigint) => x < y : (x: bigint, y: bigint) => x > y;
        if (value !== null && (seen === null || better(value, seen))) acc.extremes.set(measure.name, value);
        else if (!acc.extremes.has(measure.name)) acc.extremes.set(measure.name, seen);
        break;
      }
      case 'distinct':
        acc.distincts.set(measure.name, group.distincts[measure.name] ?? 0n);
        break;
    }
  }
}

/** A measure's exact value in its units (decimals unscaled), for sorting and output. */
function unitsOf(acc: Accumulator, measure: MeasureDefinition): bigint | null {
  switch (measure.type) {
    case 'count':
    case 'sum':
      return acc.counters.get(measure.name) ?? 0n;
    case 'avg': {
      const n = acc.counters.get(`${measure.name}.n`) ?? 0n;
      return n === 0n ? null : roundedQuotient(acc.counters.get(`${measure.name}.sum`) ?? 0n, n);
    }
    case 'min':
    case 'max':
      return acc.extremes.get(measure.name) ?? null;
    case 'distinct':
      return acc.distincts.get(measure.name) ?? 0n;
  }
}

function measureOut(acc: Accumulator, measure: MeasureDefinition): AdHocMeasure {
  const units = unitsOf(acc, measure);
  const integer = measure.type === 'count' || measure.type === 'distinct';
  return {
    name: measure.name,
    type: measure.type,
    integer: integer && units !== null ? units.toString() : null,
    decimal:
      !integer && units !== null ? formatUnscaled(units, 'scale' in measure ? measure.scale : 0) : null,
  };
}

/**
 * Answers an ad hoc question from a snapshot: filter on dimension values and a time range, roll
 * time buckets up to a coarser unit, add up the dimensions left out of `groupBy`, pick measures,
 * sort and limit. Exact throughout (integers and unscaled decimals as bigints).
 */
export function runAdHocQuery(
  definition: ReadModelDefinition,
  snapshot: ModelSnapshot,
  request: AdHocRequest,
): { rows: AdHocRow[]; totalRows: number } {
  const { time, groupBy, measures, granularity, timeZone } = validate(definition, request);
  const keepTime = time !== null && groupBy.includes(time.name);
  const kept = groupBy.filter((name) => name !== time?.name);
  const filters = (request.where ?? []).map((f) => ({ name: f.dimension, values: new Set(f.in) }));
  const results = new Map<string, Accumulator>();
  for (const row of modelRows(definition, snapshot)) {
    if (filters.some((f) => !f.values.has(row.values[f.name] ?? null))) continue;
    if (row.bucket && request.fromMs != null && row.bucket.startMs < request.fromMs) continue;
    if (row.bucket && request.toMs != null && row.bucket.startMs >= request.toMs) continue;
    let bucket: { startMs: number; label: string } | null = null;
    if (keepTime && row.bucket && granularity) {
      bucket = bucketOf(row.bucket.startMs, granularity, timeZone);
      // Buckets re-cut in another zone, or rolled up, must hold whole buckets of the model's.
      if (time?.unit && (granularity !== time.unit || timeZone !== (time.timeZone ?? 'UTC'))) {
        const last = bucketOf(row.bucket.startMs + unitMs(time.unit) - 1, granularity, timeZone);
        if (last.startMs !== bucket.startMs)
          throw new QueryRejected(
            `the model's ${time.unit} buckets (${time.timeZone ?? 'UTC'}) do not fit whole into ${granularity}s of ${timeZone}`,
            'timeZone',
          );
      }
    }
    const dimensions = kept.map((name) => ({ name, value: row.values[name] ?? null }));
    const key = JSON.stringify([bucket?.startMs ?? null, dimensions.map((d) => d.value)]);
    let acc = results.get(key);
    if (!acc) {
      acc = { time: bucket, dimensions, counters: new Map(), extremes: new Map(), distincts: new Map() };
      results.set(key, acc);
    }
    addGroup(acc, measures, row.group);
  }
  const accumulators = [...results.values()];
  const orderBy = request.orderBy?.length
    ? request.orderBy
    : [
        ...(keepTime && time ? [{ by: time.name, descending: false }] : []),
        ...kept.map((by) => ({ by, descending: false })),
      ];
  // Bands sort lowest first (by their place, not their label's text).
  const bandPlaces = new Map(
    dimensionsOf(definition).flatMap((d) =>
      d.edges ? [[d.name, new Map(bandLabels(d.edges).map((label, i) => [label, BigInt(i)]))] as const] : [],
    ),
  );
  const sortKey = (acc: Accumulator, by: string): bigint | string | null => {
    if (time && by === time.name) return acc.time ? BigInt(acc.time.startMs) : null;
    const measure = measures.find((m) => m.name === by);
    if (measure) return unitsOf(acc, measure);
    const value = acc.dimensions.find((d) => d.name === by)?.value ?? null;
    const place = value === null ? undefined : bandPlaces.get(by)?.get(value);
    return place ?? value;
  };
  accumulators.sort((a, b) => {
    for (const { by, descending } of orderBy) {
      const x = sortKey(a, by);
      const y = sortKey(b, by);
      if (x === null || y === null) {
        const nulls = compareNullable(x, y);
        if (nulls !== 0) return nulls;
        continue;
      }
      const order = compareNullable(x, y) * (descending ? -1 : 1);
      if (order !== 0) return order;
    }
    return 0;
  });
  return {
    totalRows: accumulators.length,
    rows: accumulators.slice(0, request.limit).map((acc) => ({
      time: acc.time,
      dimensions: acc.dimensions,
      measures: measures.map((measure) => measureOut(acc, measure)),
    })),
  };
}

function unitMs(unit: BucketUnit): number {
  return unit === 'minute' ? 60_000 : unit === 'hour' ? 3_600_000 : 86_400_000;
}
