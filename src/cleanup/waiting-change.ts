import type { Delete, RowEvent } from '../decode/index.ts';

/** A delete (or a TRUNCATE) waiting for a decision: enough to apply it later, exactly. */
export interface WaitingChange {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Empty for a TRUNCATE. */
  readonly rowKey: string;
  readonly lsn: bigint;
  readonly txId: bigint | null;
  readonly commitTimeMs: bigint;
}

export function waitingChangeOf(event: {
  readonly record: RowEvent['record'];
  readonly source: RowEvent['source'];
  readonly rowKey?: string;
}): WaitingChange {
  return {
    topic: event.record.topic,
    partition: event.record.partition,
    offset: event.record.offset,
    rowKey: event.rowKey ?? '',
    lsn: event.source.lsn,
    txId: event.source.txId,
    commitTimeMs: event.source.commitTimeMs,
  };
}

/** The delete event a waiting change stands for, as Debezium delivered it (same positions). */
export function deleteOf(change: WaitingChange, table: string): Delete {
  return {
    kind: 'delete',
    record: { topic: change.topic, partition: change.partition, offset: change.offset },
    table,
    rowKey: change.rowKey,
    source: {
      lsn: change.lsn,
      txId: change.txId,
      commitTimeMs: change.commitTimeMs,
      snapshot: null,
      origin: null,
    },
    before: null,
    columnTypes: null,
  };
}
