import type { RowEvent, SourcePosition } from '../decode/index.js';
import { RowRejected, type Contribution, type ReadModel } from './read-model.js';

/** What Readout remembers per source row and read model: how far it got, and what it added. */
export interface StoredRow {
  /** The source LSN of the last change applied to this row (kept after a delete too). */
  readonly lsn: bigint;
  /** Null once the row is deleted (or never counted). */
  readonly contribution: Contribution | null;
}

export interface RowWrite {
  /** The LSN we read before folding (null: none stored). The store refuses the batch if it moved. */
  readonly expectedLsn: bigint | null;
  readonly next: StoredRow;
}

export interface FoldResult {
  readonly rows: ReadonlyMap<string, RowWrite>;
  /** Aggregate field ("measure:group") → signed change, zeros left out. */
  readonly deltas: ReadonlyMap<string, bigint>;
  readonly applied: number;
  /** Changes at or before the row's stored position: duplicates and replays. */
  readonly duplicates: number;
  readonly rejected: ReadonlyArray<{ readonly event: RowEvent; readonly reason: string }>;
  /** The newest source position among applied changes. */
  readonly lastSource: SourcePosition | null;
}

export function fieldName(measure: string, group: string): string {
  return `${measure}:${group}`;
}

function addContribution(
  deltas: Map<string, bigint>,
  contribution: Contribution | null,
  sign: 1n | -1n,
): void {
  if (contribution === null) return;
  for (const [measure, value] of Object.entries(contribution.measures)) {
    const field = fieldName(measure, contribution.group);
    const sum = (deltas.get(field) ?? 0n) + sign * value;
    if (sum === 0n) deltas.delete(field);
    else deltas.set(field, sum);
  }
}

/**
 * Folds one partition's row events, in order, into row writes and aggregate deltas, starting
 * from what is stored. Pure. A change whose LSN is not after the row's stored LSN is a
 * duplicate (a replay or a redelivery) and changes nothing; so applying any event twice, or an
 * old one after a newer, leaves the result as it was.
 */
export function foldBatch(
  model: ReadModel,
  events: readonly RowEvent[],
  stored: ReadonlyMap<string, StoredRow>,
): FoldResult {
  const rows = new Map<string, RowWrite>();
  const deltas = new Map<string, bigint>();
  const rejected: Array<{ event: RowEvent; reason: string }> = [];
  let applied = 0;
  let duplicates = 0;
  let lastSource: SourcePosition | null = null;

  for (const event of events) {
    const pending = rows.get(event.rowKey);
    const current = pending ? pending.next : stored.get(event.rowKey);
    if (current && event.source.lsn <= current.lsn) {
      duplicates += 1;
      continue;
    }
    let next: Contribution | null;
    try {
      next = event.kind === 'delete' ? null : model.contributionOf(event.after);
    } catch (error) {
      if (!(error instanceof RowRejected)) throw error;
      rejected.push({ event, reason: error.message });
      continue;
    }
    addContribution(deltas, current?.contribution ?? null, -1n);
    addContribution(deltas, next, 1n);
    const expectedLsn = pending ? pending.expectedLsn : (current?.lsn ?? null);
    rows.set(event.rowKey, { expectedLsn, next: { lsn: event.source.lsn, contribution: next } });
    applied += 1;
    if (lastSource === null || event.source.lsn > lastSource.lsn) lastSource = event.source;
  }
  return { rows, deltas, applied, duplicates, rejected, lastSource };
}
