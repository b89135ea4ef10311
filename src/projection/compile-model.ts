import { createHash } from 'node:crypto';
import { decimalFromString, unscaledAt, type Row } from '../decode/index.ts';
import {
  DEFAULT_RETENTION,
  type ArchivePolicy,
  type SourceDefinition,
  type ConditionDefinition,
  type DimensionDefinition,
  type MeasureDefinition,
  type ReadModelDefinition,
} from '../definitions/index.ts';
import { RowRejected, columnText, type MemoryRow } from './memory-row.ts';
import { bucketOf, durationMs } from './time-bucket.ts';

/** A measure's value from one row: an exact integer (count, sums at scale), text (distinct), or null. */
export type MeasureValue = bigint | string | null;

/**
 * What one row (state model) or one change (flow model) adds to a read model: the time bucket
 * (null when the model has none), the group (the other dimensions' values, as a JSON array) and a
 * value per measure, in the definition's order of measures (indexed, not named: the fold reads
 * them for every model of every change).
 */
export interface Contribution {
  readonly bucket: { readonly label: string; readonly startMs: number } | null;
  readonly group: string;
  readonly values: readonly MeasureValue[];
}

export type ChangeKind = 'create' | 'update' | 'delete' | 'read';

export interface CompiledModel {
  readonly definition: ReadModelDefinition;
  readonly name: string;
  readonly table: string;
  readonly kind: 'state' | 'flow';
  /** The columns remembered per row. */
  readonly columns: readonly string[];
  /** Those read as exact numbers (a float there is refused). */
  readonly exactColumns: ReadonlySet<string>;
  /** How long time buckets are kept, or null for models without a time bucket. */
  readonly retentionMs: number | null;
  /** The measure ranked for top-N, with its limit. */
  readonly top: { readonly measure: string; readonly limit: number } | null;
  /** What an archival delete does to this model's aggregates. */
  readonly archive: ArchivePolicy;
  /** The source's declared archival retention, if any (its column is remembered). */
  readonly archivalRetention: { readonly column: string; readonly olderThanMs: number } | null;
  /**
   * Identifies what the model computes (its definition and its source's archival retention): data
   * built under another fingerprint must be rebuilt before it is served.
   */
  readonly fingerprint: string;
  /**
   * Which generation of the model's keys in the store this instance writes (absent: 0). A rebuild
   * writes a new generation while the current one keeps serving; snapshot reads always read the
   * generation the store says is current.
   */
  readonly generation?: number;
  /**
   * Is this remembered row old enough that its source declares deleting it archival? False when
   * the source declares no archival retention, or the row has no value in its column.
   */
  isPastArchivalRetention(row: MemoryRow, commitTimeMs: bigint): boolean;
  /** The row as remembered: the used columns as exact text, unchanged TOAST values from `previous`. */
  remember(row: Row, previous: MemoryRow | null): MemoryRow;
  /**
   * Why this row's values could never be folded by this model (a float where an exact number is
   * needed, more decimals than the measure keeps, a time that is not a timestamptz), or null.
   * Every used column is checked, whether or not the row passes the model's filter now: a later
   * change may bring it in, and its remembered values must be good then. A column missing from
   * the row is the caller's to judge (a schema change), not asked here.
   */
  problemWith(row: Row): string | null;
  /** The same judgement of a row already remembered (by this model or with other models' columns). */
  problemWithMemory(memory: MemoryRow): string | null;
  /** State models: what the row contributes now (null when it is filtered out). */
  contributionOf(row: MemoryRow): Contribution | null;
  /** Flow models: what one change contributes (null when `when` or the filter does not match). */
  flowOf(change: {
    kind: ChangeKind;
    previous: MemoryRow | null;
    next: MemoryRow | null;
    commitTimeMs: bigint;
  }): Contribution | null;
}

function parseExactAt(text: string, scale: number, column: string): bigint {
  const value = decimalFromString(text);
  if (!value) {
    throw new RowRejected(
      `${column} is ${JSON.stringify(text)}, not a decimal number (a precise decimal needs schemas.enable=true: its scale is in the schema)`,
    );
  }
  const units = unscaledAt(value, scale);
  if (units === undefined) throw new RowRejected(`${column} = ${text} has more than ${scale} decimal places`);
  return units;
}

// The last value read exactly: every model of a table reads the same amount of the same row one
// after another (its verdict, then its fold), so one entry saves most of the parsing.
let lastExact: { text: string; scale: number; units: bigint } | null = null;

function exactAt(text: string | null, scale: number, column: string): bigint | null {
  if (text === null) return null;
  if (lastExact !== null && lastExact.text === text && lastExact.scale === scale) return lastExact.units;
  const units = parseExactAt(text, scale, column);
  lastExact = { text, scale, units };
  return units;
}

function conditionHolds(condition: ConditionDefinition, row: MemoryRow): boolean {
  const value = row[condition.column] ?? null;
  if ('equals' in condition) return value === condition.equals;
  if ('in' in condition) return value !== null && condition.in.includes(value);
  return value === null || !condition.notIn.includes(value);
}

/** A band dimension's labels, lowest band first: `<e0`, `e0..e1`, …, `>=eN`. */
export function bandLabels(edges: readonly string[]): string[] {
  return [
    ...edges.map((edge, i) => (i === 0 ? `<${edge}` : `${edges[i - 1] ?? ''}..${edge}`)),
    `>=${edges.at(-1) ?? ''}`,
  ];
}

/**
 * A band dimension's edges, parsed once: the label of a value is found by exact comparison, with
 * the edges scaled once per scale of the values met (no bigint made per comparison).
 */
function bandLabeller(edges: readonly string[]): (value: string | null) => string | null {
  const parsed = edges.map((edge) => {
    const decimal = decimalFromString(edge);
    if (!decimal) throw new Error(`band edge ${edge} is not a decimal`); // validated with the definition
    return decimal;
  });
  const labels = bandLabels(edges);
  const top = labels.at(-1) ?? null;
  const edgeScale = Math.max(0, ...parsed.map((edge) => edge.scale));
  // The edges' unscaled integers at a scale (that of the values, when at least the edges' own).
  const edgesAt = new Map<number, bigint[]>();
  const scaledEdges = (scale: number): bigint[] => {
    let scaled = edgesAt.get(scale);
    if (scaled === undefined)
      edgesAt.set(scale, (scaled = parsed.map((edge) => unscaledAt(edge, scale) ?? 0n)));
    return scaled;
  };
  let last: { text: string; label: string | null } | null = null;
  return (value) => {
    if (value === null) return null;
    if (last !== null && last.text === value) return last.label;
    const decimal = decimalFromString(value);
    if (!decimal) throw new RowRejected(`${value} is not a decimal number`);
    const scale = Math.max(edgeScale, decimal.scale);
    const units = unscaledAt(decimal, scale) ?? 0n;
    const scaled = scaledEdges(scale);
    let label = top;
    for (let i = 0; i < scaled.length; i += 1) {
      if (units < (scaled[i] ?? 0n)) {
        label = labels[i] ?? null;
        break;
      }
    }
    last = { text: value, label };
    return label;
  };
}

/** Group keys kept per model of one dimension, and the longest value kept (see groupOf). */
const GROUP_KEYS_KEPT = 10_000;
const GROUP_KEY_KEPT_CHARS = 256;

const zoned = /T.*(Z|[+-]\d{2}:?\d{2})$/;

// The last timestamp read (see lastExact): its instant, or NaN when it is not a timestamptz.
let lastInstant: { text: string; ms: number } | null = null;

/** An instant from a remembered timestamp column: ISO text (timestamptz) only, for now. */
function instantOf(text: string | null, column: string): number | null {
  if (text === null) return null;
  let ms = lastInstant !== null && lastInstant.text === text ? lastInstant.ms : undefined;
  if (ms === undefined) {
    ms = Date.parse(text);
    if (!zoned.test(text)) ms = Number.NaN;
    lastInstant = { text, ms };
  }
  if (Number.isNaN(ms)) {
    throw new RowRejected(
      `${column} = ${JSON.stringify(text)} is not a timestamptz; time buckets need a timestamp with time zone`,
    );
  }
  return ms;
}

function columnsOf(definition: ReadModelDefinition, source: SourceDefinition | undefined): string[] {
  const columns = new Set<string>();
  // Deletes carry only the key (REPLICA IDENTITY DEFAULT): the row's age must be remembered.
  if (source?.archivalRetention) columns.add(source.archivalRetention.column);
  for (const condition of definition.filter) columns.add(condition.column);
  if (definition.when && 'becomes' in definition.when) columns.add(definition.when.becomes.column);
  for (const dimension of definition.dimensions) {
    if ('column' in dimension) columns.add(dimension.column);
    else if ('bands' in dimension) columns.add(dimension.bands.column);
    else if ('column' in dimension.bucket) columns.add(dimension.bucket.column);
  }
  for (const measure of definition.measures) if ('column' in measure) columns.add(measure.column);
  return [...columns].sort();
}

function measureValue(measure: MeasureDefinition, row: MemoryRow): MeasureValue {
  switch (measure.type) {
    case 'count':
      return 1n;
    case 'distinct':
      return row[measure.column] ?? null;
    case 'sum':
    case 'avg':
    case 'min':
    case 'max':
      return exactAt(row[measure.column] ?? null, measure.scale, measure.column);
  }
}

/**
 * Turns a validated definition, with its source table's settings, into the pure functions the
 * fold uses.
 */
export function compileModel(definition: ReadModelDefinition, source?: SourceDefinition): CompiledModel {
  if (source && source.table !== definition.source)
    throw new Error(`settings of ${source.table} given for a model of ${definition.source}`);
  const columns = columnsOf(definition, source);
  const archival = source?.archivalRetention
    ? { column: source.archivalRetention.column, olderThanMs: durationMs(source.archivalRetention.olderThan) }
    : null;
  // Columns read as numbers: a float there (decimal.handling.mode=double) is refused, bands too
  // (a float's text can fall on the wrong side of an edge).
  const exactColumns = new Set([
    ...definition.measures.flatMap((m) =>
      m.type === 'sum' || m.type === 'avg' || m.type === 'min' || m.type === 'max' ? [m.column] : [],
    ),
    ...definition.dimensions.flatMap((d) => ('bands' in d ? [d.bands.column] : [])),
  ]);
  const bucketDimension = definition.dimensions.find(
    (d): d is Extract<DimensionDefinition, { bucket: unknown }> => 'bucket' in d,
  );
  const groupDimensions = definition.dimensions.filter(
    (d): d is Exclude<DimensionDefinition, { bucket: unknown }> => !('bucket' in d),
  );
  const groupValue = groupDimensions.map((dimension): ((row: MemoryRow) => string | null) => {
    if (!('bands' in dimension)) return (row) => row[dimension.column] ?? null;
    const label = bandLabeller(dimension.bands.edges);
    return (row) => label(row[dimension.bands.column] ?? null);
  });
  const retention = bucketDimension
    ? (definition.retention ?? DEFAULT_RETENTION[bucketDimension.bucket.unit])
    : undefined;

  /** The group's key: the other dimensions' values as a JSON array (one allocation for one dimension). */
  const [onlyGroupValue] = groupValue;
  // One dimension: the key of each value met, kept (bounded in count, and only for short values:
  // a column of megabyte texts must not fill the memory) so the same group is one string.
  const groupKeys = new Map<string | null, string>();
  const oneGroup = (value: string | null): string => {
    let key = groupKeys.get(value);
    if (key === undefined) {
      key = `[${JSON.stringify(value)}]`;
      if (value !== null && value.length > GROUP_KEY_KEPT_CHARS) return key;
      if (groupKeys.size >= GROUP_KEYS_KEPT) groupKeys.clear();
      groupKeys.set(value, key);
    }
    return key;
  };
  const groupOf =
    groupValue.length === 0
      ? () => '[]'
      : groupValue.length === 1 && onlyGroupValue
        ? (row: MemoryRow) => oneGroup(onlyGroupValue(row))
        : (row: MemoryRow) => JSON.stringify(groupValue.map((value) => value(row)));

  function contribution(row: MemoryRow, commitTimeMs: bigint): Contribution | null {
    for (const condition of definition.filter) if (!conditionHolds(condition, row)) return null;
    let bucket: Contribution['bucket'] = null;
    if (bucketDimension) {
      const spec = bucketDimension.bucket;
      const instant =
        'column' in spec ? instantOf(row[spec.column] ?? null, spec.column) : Number(commitTimeMs);
      if (instant === null) return null; // no time, no bucket: the row is not counted
      bucket = bucketOf(instant, spec.unit, spec.timeZone);
    }
    const group = groupOf(row);
    // (map: an array of exactly the measures' length; pushing onto [] reserves room for 16)
    const values = definition.measures.map((measure) => measureValue(measure, row));
    return { bucket, group, values };
  }

  return {
    definition,
    name: definition.name,
    table: definition.source,
    kind: definition.kind,
    columns,
    exactColumns,
    retentionMs: retention ? durationMs(retention) : null,
    top: definition.top ? { measure: definition.top.by, limit: definition.top.limit } : null,
    archive: definition.archive,
    archivalRetention: archival,
    // Descriptions change no number: editing one needs no rebuild.
    fingerprint: createHash('sha256')
      .update(
        JSON.stringify({
          definition: {
            ...definition,
            description: undefined,
            dimensions: definition.dimensions.map((d) => ({ ...d, description: undefined })),
            measures: definition.measures.map((m) => ({ ...m, description: undefined })),
          },
          archivalRetention: archival,
        }),
      )
      .digest('hex')
      .slice(0, 16),

    isPastArchivalRetention(row, commitTimeMs) {
      if (archival === null) return false;
      const instant = instantOf(row[archival.column] ?? null, archival.column);
      return instant !== null && instant < Number(commitTimeMs) - archival.olderThanMs;
    },

    remember(row, previous) {
      const memory: Record<string, string | null> = {};
      for (const column of columns) {
        const text = columnText(row[column], column, exactColumns.has(column));
        // The TOAST placeholder means "unchanged": keep what we remembered.
        memory[column] = text === undefined ? (previous?.[column] ?? null) : text;
      }
      return memory;
    },

    contributionOf(row) {
      return contribution(row, 0n);
    },

    problemWith(row) {
      try {
        return this.problemWithMemory(this.remember(row, null));
      } catch (error) {
        if (error instanceof RowRejected) return error.message;
        throw error;
      }
    },

    problemWithMemory(memory) {
      try {
        for (const measure of definition.measures) {
          if ('scale' in measure) exactAt(memory[measure.column] ?? null, measure.scale, measure.column);
        }
        for (const value of groupValue) value(memory);
        if (bucketDimension && 'column' in bucketDimension.bucket) {
          const column = bucketDimension.bucket.column;
          instantOf(memory[column] ?? null, column);
        }
        if (archival) instantOf(memory[archival.column] ?? null, archival.column);
        return null;
      } catch (error) {
        if (error instanceof RowRejected) return error.message;
        throw error;
      }
    },

    flowOf({ kind, previous, next, commitTimeMs }) {
      const when = definition.when;
      if (!when) return null;
      const subject = next ?? previous;
      if (subject === null) return null;
      if ('op' in when) {
        if (kind === 'read' || !when.op.includes(kind)) return null;
      } else {
        if (next === null || kind === 'read') return null;
        const { column, in: values } = when.becomes;
        const now = next[column] ?? null;
        const before = previous?.[column] ?? null;
        if (now === null || !values.includes(now) || (before !== null && values.includes(before)))
          return null;
      }
      return contribution(subject, commitTimeMs);
    },
  };
}
