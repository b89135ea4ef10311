/**
 * projection: change events + each row's remembered columns → aggregate deltas. Pure.
 * Guarantee: folding is idempotent per row (a change not newer than the row's stored position
 * changes nothing; see row-position.ts for what "newer" means) and works under REPLICA IDENTITY DEFAULT (old values come from what Readout remembered,
 * never from the event's before image). Read models are compiled from declarative definitions.
 */
export { compileModel } from './compile-model.js';
export type { ChangeKind, CompiledModel, Contribution, MeasureValue } from './compile-model.js';
export { DeltaSet, ROWS_FIELD, counterField } from './delta-set.js';
export type { CounterDelta, DistinctDelta, ExtremeDelta } from './delta-set.js';
export { foldBatch } from './fold-batch.js';
export { extremeMember, extremeScore, sortableInteger, valueOfExtremeMember } from './extreme-member.js';
export type { FoldEvent, FoldResult, ModelState, RowWrite, StoredRow } from './fold-batch.js';
export { RowRejected } from './memory-row.js';
export { snapshotSweep, splitAtSnapshotEnds, truncateDeletes } from './snapshot-sweep.js';
export {
  decodePosition,
  encodePosition,
  isNewer,
  isSnapshotEnd,
  missedBySnapshot,
  positionOf,
} from './row-position.js';
export type { RowPosition } from './row-position.js';
export type { MemoryRow } from './memory-row.js';
export { bucketOf, durationMs } from './time-bucket.js';
export type { Bucket, BucketUnit } from './time-bucket.js';
