import type { Decimal } from './decimal.ts';

/**
 * A decoded column value. int64 is a bigint and decimals are exact; nothing is a lossy float
 * unless the column itself is a float (or a decimal in decimal.handling.mode=double). Timestamps
 * keep Debezium's representation (see the stage index). `{kind:'unavailable'}` is Debezium's
 * placeholder for an unchanged TOASTed value: "unchanged", never a value.
 */
export type ColumnValue =
  null | boolean | number | bigint | string | Decimal | Unavailable | readonly ColumnValue[];

export type Row = Readonly<Record<string, ColumnValue>>;

/** Where a change sits in the source: PostgreSQL's log position and transaction. */
export interface SourcePosition {
  /**
   * LSN of this change. A snapshot read carries the snapshot's LSN; an incremental-snapshot read
   * has none in source.lsn, and gets the stream position it was emitted at (source.sequence's
   * second element): any change to its row after that position has a greater LSN.
   */
  readonly lsn: bigint;
  readonly txId: bigint | null;
  /** Commit time in the source, epoch milliseconds (Debezium's source.ts_ms). */
  readonly commitTimeMs: bigint;
  /**
   * Debezium's source.snapshot: "first", "true", "last", "last_in_data_collection", "incremental",
   * or, when streaming, null (Debezium 3.5 with replace.null.with.default=false) or "false".
   */
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

/**
 * The envelope's `transaction` block (provide.transaction.metadata=true): the event's place in its
 * transaction. Events of one transaction can share an LSN (a primary-key change's delete and
 * create do): totalOrder orders them.
 */
export interface TransactionOrder {
  /** Debezium's "txId:lsn"; the lsn part differs per event, so group by source.txId. */
  readonly id: string;
  /** 1-based position among all of the transaction's events. */
  readonly totalOrder: bigint;
  /** 1-based position among the transaction's events for this table. */
  readonly dataCollectionOrder: bigint;
}

interface RowEventBase {
  readonly record: RecordPosition;
  readonly table: string;
  /** The row's primary key, canonical: "id=42" (columns in key order). */
  readonly rowKey: string;
  readonly source: SourcePosition;
  /** Present when the connector provides transaction metadata and the event is in a transaction. */
  readonly transaction?: TransactionOrder;
  /**
   * Each column's Connect type (of the after row, else the before row), for noticing a change of
   * the source table's schema: "int64", "bytes/org.apache.kafka.connect.data.Decimal",
   * "string/io.debezium.time.ZonedTimestamp", "array<int32>" (type and logical name only: a
   * decimal's scale and precision are not part of it). Null when the record has no schema or the
   * event was not decoded from a record (deletes derived from a snapshot or a TRUNCATE). Events
   * of one schema share one map.
   */
  readonly columnTypes: ReadonlyMap<string, string> | null;
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
  readonly transaction?: TransactionOrder;
}
/** pg_logical_emit_message: a transactional one has a txId and a transaction block; the other not. */
export interface Message {
  readonly kind: 'message';
  readonly record: RecordPosition;
  readonly prefix: string;
  readonly content: Buffer;
  readonly source: SourcePosition;
  readonly transaction?: TransactionOrder;
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
  /** Debezium's "txId:lsn" (BEGIN and END of one transaction carry different lsn parts). */
  readonly id: string;
  /** The transaction id part of `id`: matches source.txId of the transaction's events. */
  readonly txId: bigint | null;
  /** END only: how many events the transaction produced, in total and per table. */
  readonly eventCount: number | null;
  readonly dataCollections: readonly DataCollectionCount[] | null;
}

/**
 * One table's event count in an END event. Logical decoding messages are counted under a name
 * Debezium 3.5 derives from a Java object ("io.debezium.connector.postgresql.
 * LogicalDecodingMessageMonitor$LogicalDecodingMessageId@ab677f0"), not a table.
 */
export interface DataCollectionCount {
  readonly dataCollection: string;
  readonly eventCount: number;
}

export type RowEvent = Create | Update | Delete | Read;
export type ChangeEvent = RowEvent | Truncate | Message | Tombstone | Heartbeat | TransactionBoundary;

export function isRowEvent(event: ChangeEvent): event is RowEvent {
  return (
    event.kind === 'create' || event.kind === 'update' || event.kind === 'delete' || event.kind === 'read'
  );
}

export type Unavailable = { readonly kind: 'unavailable' };

/** True for Debezium's unchanged-TOAST placeholder: the column kept its previous value. */
export function isUnavailable(value: ColumnValue | undefined): value is Unavailable {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'unavailable';
}
