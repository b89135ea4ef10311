/**
 * projection: change events + each row's remembered contribution → aggregate deltas. Pure.
 * Guarantee: folding is idempotent per row (a change at or before the row's stored LSN changes
 * nothing) and works under REPLICA IDENTITY DEFAULT (old values come from what Readout stored,
 * never from the event's before image).
 */
export { foldBatch, fieldName } from './fold-batch.js';
export type { FoldResult, RowWrite, StoredRow } from './fold-batch.js';
export { ordersByStatus } from './orders-by-status.js';
export { RowRejected } from './read-model.js';
export type { Contribution, ReadModel } from './read-model.js';
