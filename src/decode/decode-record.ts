import { ErrorCode, ReadoutError } from '../errors/index.js';
import type { ChangeEvent, RecordPosition, Row, RowEvent, SourcePosition } from './change-event.js';
import { ValueError, decodeLoose, decodeRow, readFieldSchema, type FieldSchema } from './column-values.js';
import { RawNumber, isObject, parseRawJson, type RawJson } from './raw-json.js';

/** A Kafka record as the ingest stage hands it over: bytes and where they came from. */
export interface RawRecord extends RecordPosition {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

type JsonObject = { [key: string]: RawJson };

/** A record that can never be decoded: it goes to the dead letters with this reason. */
function poison(record: RecordPosition, reason: string, cause?: unknown): ReadoutError {
  return new ReadoutError(ErrorCode.EventMalformed, reason, {
    details: { ...record },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Splits JsonConverter's {schema, payload} wrapper; without schemas the document is the payload. */
function unwrap(document: RawJson): { payload: RawJson; schema: FieldSchema | undefined } {
  if (isObject(document) && 'payload' in document && 'schema' in document) {
    return { payload: document.payload ?? null, schema: readFieldSchema(document.schema) };
  }
  return { payload: document, schema: undefined };
}

function parseBytes(bytes: Buffer, record: RecordPosition, what: string): RawJson {
  try {
    return parseRawJson(bytes.toString('utf8'));
  } catch (error) {
    throw poison(record, `${what} is not valid JSON`, error);
  }
}

function text(value: RawJson | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

function integer(value: RawJson | undefined): bigint | null {
  if (value instanceof RawNumber && /^-?\d+$/.test(value.text)) return BigInt(value.text);
  return null;
}

function decodeSource(
  source: RawJson | undefined,
  record: RecordPosition,
): SourcePosition & { table: string } {
  if (!isObject(source)) throw poison(record, 'the envelope has no source block');
  const lsn = integer(source.lsn);
  const commitTimeMs = integer(source.ts_ms);
  const table = text(source.table);
  if (lsn === null) throw poison(record, 'source.lsn is missing or not an integer');
  if (commitTimeMs === null) throw poison(record, 'source.ts_ms is missing or not an integer');
  if (table === null) throw poison(record, 'source.table is missing');
  // source.snapshot is a string in Debezium 2+, a boolean in older versions.
  const snapshot = typeof source.snapshot === 'boolean' ? String(source.snapshot) : text(source.snapshot);
  return {
    lsn,
    txId: integer(source.txId),
    commitTimeMs,
    snapshot,
    origin: text(source.origin),
    table: `${text(source.schema) ?? 'public'}.${table}`,
  };
}

/** The primary key as "col=value,col=value", stable across replays and Debezium versions. */
function decodeRowKey(key: Buffer | null, record: RecordPosition): string {
  if (key === null) throw poison(record, 'a row event without a key (tables need a primary key)');
  const { payload } = unwrap(parseBytes(key, record, 'the key'));
  if (!isObject(payload)) throw poison(record, 'the key is not a struct');
  return Object.entries(payload)
    .map(([column, value]) => {
      const decoded = decodeLoose(value, `key.${column}`);
      return `${column}=${typeof decoded === 'object' && decoded !== null ? JSON.stringify(decoded) : String(decoded)}`;
    })
    .join(',');
}

function rowSchema(schema: FieldSchema | undefined, field: 'before' | 'after'): FieldSchema | undefined {
  return schema?.fields?.find((candidate) => candidate.field === field);
}

function requireRow(row: Row | null, record: RecordPosition, what: string): Row {
  if (row === null) throw poison(record, `${what} is missing`);
  return row;
}

function decodeEnvelope(envelope: JsonObject, schema: FieldSchema | undefined, raw: RawRecord): ChangeEvent {
  const record: RecordPosition = { topic: raw.topic, partition: raw.partition, offset: raw.offset };
  const op = text(envelope.op);
  const source = decodeSource(envelope.source, record);
  const { table, ...position } = source;
  if (op === 't') return { kind: 'truncate', record, table, source: position };
  if (op === 'm') {
    const message = envelope.message;
    if (!isObject(message)) throw poison(record, 'a message event without a message block');
    return {
      kind: 'message',
      record,
      prefix: text(message.prefix) ?? '',
      content: Buffer.from(text(message.content) ?? '', 'base64'),
      source: position,
    };
  }
  const before = decodeRow(envelope.before ?? null, rowSchema(schema, 'before'), 'before');
  const after = decodeRow(envelope.after ?? null, rowSchema(schema, 'after'), 'after');
  const base = { record, table, rowKey: decodeRowKey(raw.key, record), source: position };
  switch (op) {
    case 'c':
      return { kind: 'create', ...base, after: requireRow(after, record, 'after') } satisfies RowEvent;
    case 'u':
      return { kind: 'update', ...base, before, after: requireRow(after, record, 'after') };
    case 'd':
      return { kind: 'delete', ...base, before };
    case 'r':
      return { kind: 'read', ...base, after: requireRow(after, record, 'after') };
    default:
      throw poison(record, `unknown op ${JSON.stringify(envelope.op)}`);
  }
}

function decodeTransaction(payload: JsonObject, record: RecordPosition): ChangeEvent {
  const status = text(payload.status);
  const id = text(payload.id);
  if ((status !== 'BEGIN' && status !== 'END') || id === null)
    throw poison(record, 'a malformed transaction event');
  const count = integer(payload.event_count);
  return { kind: 'transaction', record, status, id, eventCount: count === null ? null : Number(count) };
}

/**
 * Turns one Kafka record into a change event, or throws a non-retriable ReadoutError whose
 * message is the reason the record can never be applied (its position is in `details`).
 */
export function decodeRecord(raw: RawRecord): ChangeEvent {
  const record: RecordPosition = { topic: raw.topic, partition: raw.partition, offset: raw.offset };
  if (raw.topic.startsWith('__debezium-heartbeat')) return { kind: 'heartbeat', record };
  if (raw.value === null) return { kind: 'tombstone', record };
  const { payload, schema } = unwrap(parseBytes(raw.value, record, 'the value'));
  if (!isObject(payload)) throw poison(record, 'the value is not a JSON object');
  try {
    if ('op' in payload) return decodeEnvelope(payload, schema, raw);
    if ('status' in payload && 'event_count' in payload) return decodeTransaction(payload, record);
  } catch (error) {
    if (error instanceof ValueError) throw poison(record, error.message, error);
    throw error;
  }
  throw poison(record, 'not a Debezium change event (no "op" field)');
}
