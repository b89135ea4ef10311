import type { Decimal } from './decimal.js';

/** A decoded column value. int64 is a bigint and decimals are exact; nothing is a lossy float
 * unless the column itself is a float. Timestamps keep Debezium's representation. */
export type ColumnValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Decimal
  | { readonly kind: 'unavailable' }
  | readonly ColumnValue[];

export type Row = Readonly<Record<string, ColumnValue>>;

/** Where a change sits in the source: PostgreSQL's log position and transaction. */
export interface SourcePosition {
  /** LSN of this change (for a snapshot read: the snapshot's LSN). */
  readonly lsn: bigint;
  readonly txId: bigint | null;
  /** Commit time in the source, epoch milliseconds (Debezium's source.ts_ms). */
  readonly commitTimeMs: bigint;
  /** Debezium's source.snapshot: null or "false" when streaming. */
  readonly snapshot: string | null;
  /** Replication origin of the transaction (Debezium 3.5+), when it has one. */
  readonly origin: string | null;
}

/** Where a record sits in Kafka: reported with every dead letter and log line. */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

interface RowEventBase {
  readonly record: RecordPosition;
  readonly table: string;
  /** The row's primary key, canonical: "id=42" (columns in key order). */
  readonly rowKey: string;
  readonly source: SourcePosition;
}

export interface Create extends RowEventBase {
  readonly kind: 'create';
  readonly after: Row;
}
export interface Update extends RowEventBase {
  readonly kind: 'update';
  /** Null under REPLICA IDENTITY DEFAULT: never trusted for deltas. */
  readonly before: Row | null;
  readonly after: Row;
}
export interface Delete extends RowEventBase {
  readonly kind: 'delete';
  /** Under REPLICA IDENTITY DEFAULT only the key columns are real. */
  readonly before: Row | null;
}
export interface Read extends RowEventBase {
  readonly kind: 'read';
  readonly after: Row;
}
export interface Truncate {
  readonly kind: 'truncate';
  readonly record: RecordPosition;
  readonly table: string;
  readonly source: SourcePosition;
}
export interface Message {
  readonly kind: 'message';
  readonly record: RecordPosition;
  readonly prefix: string;
  readonly content: Buffer;
  readonly source: SourcePosition;
}
/** The null-valued record that follows a delete, for log compaction. */
export interface Tombstone {
  readonly kind: 'tombstone';
  readonly record: RecordPosition;
}
export interface Heartbeat {
  readonly kind: 'heartbeat';
  readonly record: RecordPosition;
}
/** BEGIN / END on the transaction metadata topic. */
export interface TransactionBoundary {
  readonly kind: 'transaction';
  readonly record: RecordPosition;
  readonly status: 'BEGIN' | 'END';
  /** Debezium's "txId:lsn". */
  readonly id: string;
  readonly eventCount: number | null;
}

export type RowEvent = Create | Update | Delete | Read;
export type ChangeEvent = RowEvent | Truncate | Message | Tombstone | Heartbeat | TransactionBoundary;

export function isRowEvent(event: ChangeEvent): event is RowEvent {
  return (
    event.kind === 'create' || event.kind === 'update' || event.kind === 'delete' || event.kind === 'read'
  );
}
