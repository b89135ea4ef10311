/**
 * projection: change events + each row's remembered columns → aggregate deltas. Pure.
 * Guarantee: folding is idempotent per row (a change not newer than the row's stored position
 * changes nothing; see row-position.ts for what "newer" means) and works under REPLICA IDENTITY DEFAULT (old values come from what Readout remembered,
 * never from the event's before image). Read models are compiled from declarative definitions.
 */
export { bandLabels, compileModel } from './compile-model.ts';
export type { ChangeKind, CompiledModel, Contribution, MeasureValue } from './compile-model.ts';
export { DeltaSet, ROWS_FIELD, counterField } from './delta-set.ts';
export type { CounterDelta, DistinctDelta, ExtremeDelta } from './delta-set.ts';
export { foldBatch } from './fold-batch.ts';
export { foldLane } from './fold-lane.ts';
export type { LaneFold, LaneRow, LaneRowWrite, LaneState, MemberFold } from './fold-lane.ts';
export { extremeMember, extremeScore, sortableInteger, valueOfExtremeMember } from './extreme-member.ts';
export type { FoldEvent, FoldResult, ModelState, RowWrite, StoredRow } from './fold-batch.ts';
export { RememberedRows, rememberAll } from './lane-memory.ts';
export { RowRejected } from './memory-row.ts';
export { snapshotSweep, splitAtSnapshotEnds, truncateDeletes } from './snapshot-sweep.ts';
export {
  decodePosition,
  encodePosition,
  isNewer,
  isSnapshotEnd,
  missedBySnapshot,
  positionOf,
} from './row-position.ts';
export type { RowPosition } from './row-position.ts';
export type { MemoryRow } from './memory-row.ts';
export { bucketOf, durationMs } from './time-bucket.ts';
export type { Bucket, BucketUnit } from './time-bucket.ts';
