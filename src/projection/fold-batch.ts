import type { RowEvent, SourcePosition } from '../decode/index.ts';
import type { CompiledModel } from './compile-model.ts';
import type { DeltaSet } from './delta-set.ts';
import { foldLane, type LaneRow, type LaneRowWrite } from './fold-lane.ts';

/**
 * What Readout remembers per source row: how far it got, and the row's used columns (see
 * fold-lane.ts: a row's memory serves every model of its lane).
 */
export type StoredRow = LaneRow;

export type RowWrite = LaneRowWrite;

export interface FoldResult {
  readonly rows: ReadonlyMap<string, RowWrite>;
  readonly deltas: DeltaSet;
  readonly applied: number;
  /** Changes not newer than the row's stored position: duplicates and replays. */
  readonly duplicates: number;
  /**
   * Rows whose every change was a duplicate. No write fences them, so the verdict is only as true
   * as the state it was folded from.
   */
  readonly skippedRows: ReadonlySet<string>;
  readonly rejected: ReadonlyArray<{ readonly event: FoldEvent; readonly reason: string }>;
  /** The newest source position among applied changes (a backfill's reads have none). */
  readonly lastSource: SourcePosition | null;
  /** The newest commit time seen by the model so far (drives retention). */
  readonly maxCommitTimeMs: bigint | null;
  /** Buckets starting before this instant are dropped (null: the model keeps no time buckets). */
  readonly retainFromMs: number | null;
}

/**
 * A row event as the fold takes it: `archival` marks a delete that cleans up rather than undoes
 * business (the archiver's, a declared-retention purge, or a held delete released as archive).
 */
export type FoldEvent = RowEvent & { readonly archival?: boolean };

export interface ModelState {
  readonly rows: ReadonlyMap<string, StoredRow>;
  readonly maxCommitTimeMs: bigint | null;
}

/**
 * Folds one partition's row events of one read model, in order, into row writes and aggregate
 * deltas, starting from what is stored: the lane fold with the model as its only member (see
 * foldLane for what makes it idempotent and exact).
 */
export function foldBatch(model: CompiledModel, events: readonly FoldEvent[], state: ModelState): FoldResult {
  const lane = foldLane([model], events, {
    rows: state.rows,
    maxCommitTimeMs: new Map([[model.name, state.maxCommitTimeMs]]),
  });
  const member = lane.members.get(model.name);
  if (!member) throw new Error(`the fold of ${model.name} lost its model`);
  return {
    rows: lane.rows,
    deltas: member.deltas,
    applied: lane.applied,
    duplicates: lane.duplicates,
    skippedRows: lane.skippedRows,
    rejected: lane.rejected,
    lastSource: lane.lastSource,
    maxCommitTimeMs: member.maxCommitTimeMs,
    retainFromMs: member.retainFromMs,
  };
}
