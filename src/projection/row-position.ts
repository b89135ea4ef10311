import type { RowEvent } from '../decode/index.ts';

/**
 * Where the change that last set a row stands: its log position (LSN), its Kafka position, and
 * whether it was a snapshot read.
 */
export interface RowPosition {
  readonly lsn: bigint;
  readonly partition: number;
  readonly offset: bigint;
  readonly snapshot: boolean;
}

/** A change belongs to a snapshot when it is a read, or a delete inferred at a snapshot's end. */
function fromSnapshot(event: RowEvent): boolean {
  const marker = event.source.snapshot;
  return event.kind === 'read' || (marker !== null && marker !== 'false');
}

// Computed when asked, not cached: a lane folds each event once, and a weak cache per event cost
// the garbage collector more than the position costs to build.
export function positionOf(event: RowEvent): RowPosition {
  return {
    lsn: event.source.lsn,
    partition: event.record.partition,
    offset: BigInt(event.record.offset),
    snapshot: fromSnapshot(event),
  };
}

/** The last read of a table in a (re-)snapshot: after it, rows the snapshot did not read are gone. */
export function isSnapshotEnd(event: RowEvent): boolean {
  return (
    event.kind === 'read' &&
    (event.source.snapshot === 'last' || event.source.snapshot === 'last_in_data_collection')
  );
}

/**
 * Was a row with this stored position missed by the snapshot that ended at `end`? It was not read
 * by that snapshot (same LSN), lies in the same partition, and precedes the snapshot's end there.
 */
export function missedBySnapshot(stored: RowPosition, end: RowPosition): boolean {
  if (stored.partition !== end.partition || stored.offset >= end.offset) return false;
  return !(stored.snapshot && stored.lsn === end.lsn);
}

/**
 * Is `incoming` a later state of the row than `stored`? The rule that makes redelivery harmless:
 *
 * - Two streamed changes of one row: the LSN decides. A row is locked until its writer commits,
 *   so a later writer's change always has a higher LSN, and a change re-sent by Kafka Connect
 *   after a crash (same LSN, new offset) is recognised as already applied.
 * - A snapshot read on either side: the Kafka partition order decides. A snapshot read does not
 *   carry a commit position, and a transaction that was in flight when the snapshot was taken has
 *   LSNs below the snapshot's while committing after it. Debezium emits the snapshot's reads and
 *   then only transactions that committed after it (incremental snapshots keep the same order
 *   with their watermarks), so within a partition, later means newer.
 * - Positions in different partitions (a repartitioned topic) fall back to the LSN.
 */
export function isNewer(incoming: RowPosition, stored: RowPosition): boolean {
  if ((incoming.snapshot || stored.snapshot) && incoming.partition === stored.partition) {
    return incoming.offset > stored.offset;
  }
  return incoming.lsn > stored.lsn;
}

/** Compact text for Redis: "lsn:partition:offset:r|s". The store compares it for equality only. */
export function encodePosition(position: RowPosition): string {
  return `${position.lsn}:${position.partition}:${position.offset}:${position.snapshot ? 'r' : 's'}`;
}

export function decodePosition(text: string): RowPosition {
  const [lsn = '0', partition = '0', offset = '-1', kind = 's'] = text.split(':');
  return { lsn: BigInt(lsn), partition: Number(partition), offset: BigInt(offset), snapshot: kind === 'r' };
}
