import type { Row } from '../decode/index.js';

/**
 * What one source row adds to a read model: the group it falls in and an integer per measure
 * (a count of 1, an amount in minor units). Deltas are the difference of two contributions, so
 * a row can move between groups without its old values being sent again by the source.
 */
export interface Contribution {
  readonly group: string;
  readonly measures: Readonly<Record<string, bigint>>;
}

/** Thrown when a row cannot contribute (e.g. a money column that is not an exact decimal). */
export class RowRejected extends Error {}

export interface ReadModel {
  /** Stable name: part of Redis keys, channels and GraphQL answers. */
  readonly name: string;
  /** The source table, "schema.table". */
  readonly table: string;
  /** The measures every contribution carries, and the scale each is kept at (0 for counts). */
  readonly measures: Readonly<Record<string, { readonly scale: number }>>;
  /** The row's contribution; null when the row does not count in this model. */
  contributionOf(row: Row): Contribution | null;
}
