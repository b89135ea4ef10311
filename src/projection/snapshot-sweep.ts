import type { RowEvent } from '../decode/index.ts';
import type { FoldEvent, StoredRow } from './fold-batch.ts';
import { isNewer, isSnapshotEnd, missedBySnapshot, positionOf } from './row-position.ts';

/** Splits a partition's events after each snapshot end, where a sweep must run before going on. */
export function splitAtSnapshotEnds<E extends RowEvent>(
  events: readonly E[],
): Array<{ events: E[]; end: E | null }> {
  const segments: Array<{ events: E[]; end: E | null }> = [];
  let current: E[] = [];
  for (const event of events) {
    current.push(event);
    if (isSnapshotEnd(event)) {
      segments.push({ events: current, end: event });
      current = [];
    }
  }
  if (current.length > 0) segments.push({ events: current, end: null });
  return segments;
}

/**
 * A snapshot reads every row that exists. A row Readout still counts but the snapshot ending at
 * `end` did not read was deleted while nobody told us (e.g. while the connector was stopped before
 * a re-snapshot): its delete, positioned at the snapshot's end.
 */
export function snapshotSweep(end: RowEvent, rows: Iterable<readonly [string, StoredRow]>): RowEvent[] {
  const endPosition = positionOf(end);
  const deletes: RowEvent[] = [];
  for (const [rowKey, stored] of rows) {
    if (stored.memory === null || !missedBySnapshot(stored.position, endPosition)) continue;
    deletes.push({
      kind: 'delete',
      record: end.record,
      table: end.table,
      rowKey,
      source: end.source,
      before: null,
      columnTypes: null,
    });
  }
  return deletes;
}

/**
 * A TRUNCATE at `truncate` removes every row that existed before it: their deletes, positioned at
 * the TRUNCATE (rows written after it, by later changes, stay). `archival` carries the decision.
 */
export function truncateDeletes(
  truncate: {
    readonly record: RowEvent['record'];
    readonly table: string;
    readonly source: RowEvent['source'];
  },
  rows: Iterable<readonly [string, StoredRow]>,
  archival: boolean,
): FoldEvent[] {
  const deletes: FoldEvent[] = [];
  for (const [rowKey, stored] of rows) {
    if (stored.memory === null) continue;
    const event: FoldEvent = {
      kind: 'delete',
      record: truncate.record,
      table: truncate.table,
      rowKey,
      source: truncate.source,
      before: null,
      columnTypes: null,
      ...(archival ? { archival: true } : {}),
    };
    if (isNewer(positionOf(event), stored.position)) deletes.push(event);
  }
  return deletes;
}
