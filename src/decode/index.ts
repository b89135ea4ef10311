/**
 * decode: bytes → a closed union of change events. Pure, no I/O. Every input either becomes a
 * ChangeEvent whose values are exact (int64 as bigint, decimals unscaled + scale) or is refused
 * with a ReadoutError (code EVENT_MALFORMED) that names the reason and the record's position.
 */
export { decodeRecord } from './decode-record.js';
export type { RawRecord } from './decode-record.js';
export { isRowEvent } from './change-event.js';
export type {
  ChangeEvent,
  ColumnValue,
  Create,
  Delete,
  Heartbeat,
  Message,
  Read,
  RecordPosition,
  Row,
  RowEvent,
  SourcePosition,
  Tombstone,
  TransactionBoundary,
  Truncate,
  Update,
} from './change-event.js';
export { decimalFromString, formatUnscaled, isDecimal, unscaledAt } from './decimal.js';
export type { Decimal } from './decimal.js';
