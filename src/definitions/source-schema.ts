import { z } from 'zod';

const column = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a column name');
const table = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected "schema.table"');
const duration = z.string().regex(/^\d+(m|h|d)$/, 'expected a duration like "90m", "48h" or "90d"');

/** What a TRUNCATE of the table does: wait for an operator (hold), or act at once. */
export const truncatePolicy = z.enum(['hold', 'archive', 'retract']);

/**
 * Settings of one captured table (a "source"), in `sources.yaml` beside the read models:
 * how its cleanups are recognised and guarded.
 */
export const sourceDefinition = z.strictObject({
  table,
  // Deletes of rows whose `column` is older than `olderThan` (at the delete's commit time) are
  // archival: for purges done by tools Readout does not control.
  archivalRetention: z.strictObject({ column, olderThan: duration }).optional(),
  truncate: truncatePolicy.default('hold'),
  // A transaction that changes at least this many rows of the table and deletes some of them
  // without an archival tag is held; overrides READOUT_MASS_DELETE_ROWS for this table.
  massDeleteRows: z.number().int().min(1).optional(),
});

export const sourcesFile = z.strictObject({ sources: z.array(sourceDefinition).default([]) });

export type SourceDefinition = z.output<typeof sourceDefinition>;
export type TruncatePolicy = z.output<typeof truncatePolicy>;
