/**
 * decode: bytes → a closed union of change events. Pure, no I/O. Every input either becomes a
 * ChangeEvent whose values are exact or is refused with a ReadoutError (code EVENT_MALFORMED)
 * that names the reason and the record's position.
 *
 * Values, as JsonConverter writes them (schemas on: typed by the schema; off: by the JSON form):
 * - int8/int16/int32 (smallint, integer, date as epoch days) → number; int64 (bigint,
 *   MicroTimestamp / Timestamp as epoch micros / millis, MicroTime) → bigint, exact at any size.
 * - Decimal (precise mode, base64 + the schema's scale), VariableScaleDecimal ({scale, value})
 *   and MONEY → Decimal (unscaled bigint + scale). Decimal in string mode → the decimal string
 *   (its schema is a plain string: decimalFromString parses it); double mode → number (inexact).
 *   A precise Decimal without a schema is a base64 string with no scale: it stays a string.
 * - float/double → number; ZonedTimestamp → its ISO string (UTC); json/jsonb, uuid, enum, text →
 *   string (json keeps its text, so big numbers inside stay exact); bytea → base64 string;
 *   arrays → arrays; other structs → their JSON text.
 * - An unchanged TOASTed value → {kind: 'unavailable'} (Debezium's "__debezium_unavailable_value",
 *   its base64 in a bytea, ["…"] in a text[] and its bytes in an int[]): "unchanged", not a value.
 * Parsing: JSON.parse first, the exact parser when a value needs it (see ParseMode).
 * Cost: linear in the record's size. A record over a DecodeLimits cap (its bytes, a decimal's
 * digits or declared precision, a string's bytes, a value's nesting) or not UTF-8 is refused
 * with the reason, before the expensive part of decoding; so is anything that would overflow the
 * stack. Row events carry each column's Connect type (columnTypes) when the record has a schema.
 */
export { decodeRecord } from './decode-record.ts';
export type { ParseMode, RawRecord } from './decode-record.ts';
export { DEFAULT_DECODE_LIMITS } from './limits.ts';
export type { DecodeLimits } from './limits.ts';
export { isRowEvent, isUnavailable } from './change-event.ts';
export type {
  ChangeEvent,
  ColumnValue,
  Create,
  DataCollectionCount,
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
  TransactionOrder,
  Truncate,
  Unavailable,
  Update,
} from './change-event.ts';
export { decimalFromString, formatUnscaled, isDecimal, unscaledAt } from './decimal.ts';
export type { Decimal } from './decimal.ts';
