import type { RowEvent, SourcePosition } from '../decode/index.ts';
import type { CompiledModel, Contribution } from './compile-model.ts';
import { DeltaSet } from './delta-set.ts';
import { RowRejected, type MemoryRow } from './memory-row.ts';
import { isNewer, positionOf, type RowPosition } from './row-position.ts';

/** What Readout remembers per source row and read model: how far it got, and the row's used columns. */
export interface StoredRow {
  /** The position of the last change applied to this row (kept after a delete too). */
  readonly position: RowPosition;
  /** Null once the row is deleted. */
  readonly memory: MemoryRow | null;
  /**
   * State models: what `memory` contributes, when already computed (the fold keeps it with the
   * row, so a row cached in memory is not recomputed when its next change retracts it).
   */
  readonly contribution?: Contribution | null;
}

export interface RowWrite {
  /** The position we read before folding (null: none stored). The store refuses the batch if it moved. */
  readonly expected: RowPosition | null;
  readonly next: StoredRow;
}

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

function sameContribution(a: Contribution | null, b: Contribution | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.group !== b.group || a.bucket?.label !== b.bucket?.label) return false;
  const keys = Object.keys(a.values);
  return keys.length === Object.keys(b.values).length && keys.every((key) => a.values[key] === b.values[key]);
}

/** Buckets older than the retention are gone: contributions to them are neither added nor removed. */
function retained(c: Contribution | null, retainFrom: number | null): c is Contribution {
  return c !== null && (retainFrom === null || c.bucket === null || c.bucket.startMs >= retainFrom);
}

/**
 * Folds one partition's row events, in order, into row writes and aggregate deltas, starting from
 * what is stored. Pure. A change that is not newer than the row's stored position (see isNewer)
 * is a duplicate (a replay, a re-send, an older snapshot read) and changes nothing, so applying
 * any event twice, or an old one after a newer one, leaves the aggregates as they were. Old values come from the row's memory, never from
 * the event's before image (REPLICA IDENTITY DEFAULT sends none).
 */
export function foldBatch(model: CompiledModel, events: readonly FoldEvent[], state: ModelState): FoldResult {
  const rows = new Map<string, RowWrite>();
  const deltas = new DeltaSet(model);
  const rejected: Array<{ event: FoldEvent; reason: string }> = [];
  let applied = 0;
  let duplicates = 0;
  const duplicateRows = new Set<string>();
  let lastSource: SourcePosition | null = null;
  let maxCommitTimeMs = state.maxCommitTimeMs;

  for (const event of events) {
    if (event.table !== model.table) continue;
    const pending = rows.get(event.rowKey);
    const current = pending ? pending.next : state.rows.get(event.rowKey);
    const position = positionOf(event);
    if (current && !isNewer(position, current.position)) {
      duplicates += 1;
      duplicateRows.add(event.rowKey);
      continue;
    }
    const commitTimeMs = event.source.commitTimeMs;
    const newestCommit =
      maxCommitTimeMs === null || commitTimeMs > maxCommitTimeMs ? commitTimeMs : maxCommitTimeMs;
    const retainFrom = model.retentionMs === null ? null : Number(newestCommit) - model.retentionMs;
    const previous = current?.memory ?? null;
    let next: MemoryRow | null;
    let after: Contribution | null | undefined;
    // Under "keep", an archival delete forgets the row but leaves what it contributed.
    const kept = event.kind === 'delete' && event.archival === true && model.archive === 'keep';
    try {
      next = event.kind === 'delete' ? null : model.remember(event.after, previous);
      if (kept) {
        after = null;
      } else if (model.kind === 'state') {
        const known = current?.contribution;
        const before =
          previous === null ? null : known !== undefined ? known : model.contributionOf(previous);
        after = next === null ? null : model.contributionOf(next);
        if (!sameContribution(before, after)) {
          if (retained(before, retainFrom)) deltas.add(before, -1n, event.rowKey);
          if (retained(after, retainFrom)) deltas.add(after, 1n, event.rowKey);
        }
      } else {
        const flow = model.flowOf({ kind: event.kind, previous, next, commitTimeMs });
        if (retained(flow, retainFrom)) deltas.add(flow, 1n, event.rowKey);
      }
    } catch (error) {
      if (!(error instanceof RowRejected)) throw error;
      rejected.push({ event, reason: error.message });
      continue;
    }
    maxCommitTimeMs = newestCommit;
    const expected = pending ? pending.expected : (current?.position ?? null);
    rows.set(event.rowKey, {
      expected,
      next:
        after === undefined ? { position, memory: next } : { position, memory: next, contribution: after },
    });
    applied += 1;
    // A backfill's read is not a change at a source position: its LSN is only where the stream
    // stood (and it has no transaction), so it does not move the model's newest applied change.
    const backfillRead = event.kind === 'read' && event.source.snapshot === 'incremental';
    if (!backfillRead && (lastSource === null || event.source.lsn > lastSource.lsn))
      lastSource = event.source;
  }
  const retainFromMs =
    model.retentionMs === null || maxCommitTimeMs === null
      ? null
      : Number(maxCommitTimeMs) - model.retentionMs;
  const skippedRows = new Set([...duplicateRows].filter((rowKey) => !rows.has(rowKey)));
  return {
    rows,
    deltas,
    applied,
    duplicates,
    skippedRows,
    rejected,
    lastSource,
    maxCommitTimeMs,
    retainFromMs,
  };
}
