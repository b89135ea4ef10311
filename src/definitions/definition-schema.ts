import { z } from 'zod';

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'expected snake_case: a-z, 0-9 and _, starting with a letter');
const column = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a column name');
const table = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected "schema.table"');
const decimalText = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal number as a string, e.g. "49.99"');
// PostgreSQL's largest declared numeric scale: sums are exact at any scale (no 64-bit bound).
const scale = z.number().int().min(0).max(1000);
const duration = z.string().regex(/^\d+(m|h|d)$/, 'expected a duration like "90m", "48h" or "35d"');

/** An IANA time zone this runtime knows (e.g. Europe/Berlin, UTC). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone, e.g. "Europe/Berlin" or "UTC"');

// Shown in the generated GraphQL schema (a generated sentence when absent); changes no number.
const description = z.string().optional();

const columnDimension = z.strictObject({ column, name: identifier.optional(), description });
const bucketDimension = z.strictObject({
  name: identifier,
  description,
  bucket: z.union([
    z.strictObject({ column, unit: z.enum(['minute', 'hour', 'day']), timeZone }),
    // A flow metric may bucket by when the change was committed in the source.
    z.strictObject({ time: z.literal('commit'), unit: z.enum(['minute', 'hour', 'day']), timeZone }),
  ]),
});
const bandDimension = z.strictObject({
  name: identifier,
  description,
  bands: z.strictObject({ column, edges: z.array(decimalText).min(1) }),
});

const measure = z.discriminatedUnion('type', [
  z.strictObject({ name: identifier, type: z.literal('count'), description }),
  z.strictObject({ name: identifier, type: z.literal('sum'), column, scale: scale.default(0), description }),
  z.strictObject({ name: identifier, type: z.literal('avg'), column, scale: scale.default(0), description }),
  z.strictObject({ name: identifier, type: z.literal('min'), column, scale: scale.default(0), description }),
  z.strictObject({ name: identifier, type: z.literal('max'), column, scale: scale.default(0), description }),
  z.strictObject({ name: identifier, type: z.literal('distinct'), column, description }),
]);

const condition = z.union([
  z.strictObject({ column, in: z.array(z.string()).min(1) }),
  z.strictObject({ column, notIn: z.array(z.string()).min(1) }),
  z.strictObject({ column, equals: z.string() }),
]);

const when = z.union([
  // The row moves into one of these values (from another value, or is created with it).
  z.strictObject({ becomes: z.strictObject({ column, in: z.array(z.string()).min(1) }) }),
  // Every change of these kinds.
  z.strictObject({ op: z.array(z.enum(['create', 'update', 'delete'])).min(1) }),
]);

export const readModelDefinition = z
  .strictObject({
    name: identifier,
    description,
    source: table,
    kind: z.enum(['state', 'flow']).default('state'),
    filter: z.array(condition).default([]),
    when: when.optional(),
    dimensions: z.array(z.union([columnDimension, bucketDimension, bandDimension])).default([]),
    measures: z.array(measure).min(1),
    top: z.strictObject({ by: identifier, limit: z.number().int().min(1).max(1000) }).optional(),
    retention: duration.optional(),
    // What an archival delete (the archiver's, or one the source declares archival) does here:
    // keep the row's contribution ("revenue this year") or retract it ("open orders right now").
    archive: z.enum(['keep', 'retract']).default('keep'),
  })
  .superRefine((definition, context) => {
    // Dimensions and measures share one namespace: each is a field of the model's GraphQL rows.
    const names = new Set<string>();
    for (const [index, d] of definition.dimensions.entries()) {
      const name = d.name ?? ('column' in d ? d.column : '');
      if (names.has(name))
        context.addIssue({
          code: 'custom',
          path: ['dimensions', index, 'name'],
          message: `duplicate dimension "${name}"`,
        });
      names.add(name);
    }
    for (const [index, m] of definition.measures.entries()) {
      if (names.has(m.name))
        context.addIssue({
          code: 'custom',
          path: ['measures', index, 'name'],
          message: `"${m.name}" is already the name of a dimension or measure of this model`,
        });
      names.add(m.name);
    }
    if (definition.kind === 'flow') {
      if (!definition.when)
        context.addIssue({
          code: 'custom',
          path: ['when'],
          message: 'a flow model needs "when": which changes it counts',
        });
      definition.measures.forEach((m, index) => {
        if (m.type !== 'count' && m.type !== 'sum') {
          context.addIssue({
            code: 'custom',
            path: ['measures', index, 'type'],
            message: 'a flow model counts or sums changes: expected "count" or "sum"',
          });
        }
      });
    } else if (definition.when) {
      context.addIssue({ code: 'custom', path: ['when'], message: '"when" is for flow models (kind: flow)' });
    }
    definition.dimensions.forEach((d, index) => {
      if ('bucket' in d && 'time' in d.bucket && definition.kind !== 'flow') {
        context.addIssue({
          code: 'custom',
          path: ['dimensions', index, 'bucket', 'time'],
          message: 'commit-time buckets are for flow models; a state model buckets a column',
        });
      }
    });
    const buckets = definition.dimensions.filter((d) => 'bucket' in d);
    if (buckets.length > 1)
      context.addIssue({
        code: 'custom',
        path: ['dimensions'],
        message: 'at most one time-bucket dimension',
      });
    if (definition.retention && buckets.length === 0) {
      context.addIssue({
        code: 'custom',
        path: ['retention'],
        message: 'retention applies to time-bucketed models: add a bucket dimension',
      });
    }
    if (definition.top) {
      const ranked = definition.measures.find((m) => m.name === definition.top?.by);
      if (!ranked || (ranked.type !== 'count' && ranked.type !== 'sum')) {
        context.addIssue({
          code: 'custom',
          path: ['top', 'by'],
          message: 'expected the name of a count or sum measure of this model',
        });
      }
    }
  });

export type ReadModelDefinition = z.output<typeof readModelDefinition>;
export type ArchivePolicy = ReadModelDefinition['archive'];
export type DimensionDefinition = ReadModelDefinition['dimensions'][number];
export type MeasureDefinition = ReadModelDefinition['measures'][number];
export type ConditionDefinition = ReadModelDefinition['filter'][number];
export type WhenDefinition = NonNullable<ReadModelDefinition['when']>;

/** Bucketed models without a stated retention keep this much history (by bucket unit). */
export const DEFAULT_RETENTION = { minute: '24h', hour: '35d', day: '400d' } as const;
