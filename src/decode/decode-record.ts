import { isUtf8 } from 'node:buffer';
import { ErrorCode, ReadoutError } from '../errors/index.ts';
import { isBase64 } from './base64.ts';
import type {
  ChangeEvent,
  DataCollectionCount,
  RecordPosition,
  Row,
  RowEvent,
  SourcePosition,
  TransactionOrder,
} from './change-event.ts';
import { columnTypesOf } from './column-types.ts';
import { decodeRow, integerOf, keyPart, type SchemaNode } from './column-values.ts';
import { DEFAULT_DECODE_LIMITS, checkStringBytes, type DecodeLimits } from './limits.ts';
import { ExactParseNeeded, isObject, parseExactJson, splitWrapped, type RawJson } from './raw-json.ts';
import { LimitExceeded, ValueError } from './value-error.ts';

/** A Kafka record as the ingest stage hands it over: bytes and where they came from. */
export interface RawRecord extends RecordPosition {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

type JsonObject = { [key: string]: RawJson };
type Document = { payload: RawJson; schema: SchemaNode | undefined };
/** Parses a key's or value's bytes into its payload and schema (throws on malformed JSON). */
type Parse = (bytes: Buffer) => Document;

/** A record that can never be decoded: it goes to the dead letters with this reason. */
function poison(record: RecordPosition, reason: string, cause?: unknown): ReadoutError {
  return new ReadoutError(ErrorCode.EventMalformed, reason, {
    details: { ...record },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Splits JsonConverter's {schema, payload} wrapper; without schemas the document is the payload. */
function unwrap(document: RawJson): Document {
  if (isObject(document) && 'payload' in document && 'schema' in document) {
    const schema = document.schema;
    return { payload: document.payload ?? null, schema: isObject(schema) ? schema : undefined };
  }
  return { payload: document, schema: undefined };
}

function parseBytes(bytes: Buffer, parse: Parse, record: RecordPosition, what: string): Document {
  try {
    return parse(bytes);
  } catch (error) {
    // The exact parser recurses: a document nested thousands deep overflows its stack.
    if (error instanceof RangeError)
      throw poison(record, `${what} could not be parsed: ${error.message}`, error);
    throw poison(record, `${what} is not valid JSON`, error);
  }
}

/**
 * The checks on a record's bytes, made once before either parse path: its size, and that key and
 * value are UTF-8 (decoding would silently turn bad bytes into U+FFFD, a different value).
 */
function checkBytes(raw: RawRecord, value: Buffer, record: RecordPosition, limits: DecodeLimits): void {
  const size = value.length + (raw.key?.length ?? 0);
  if (size > limits.maxRecordBytes)
    throw poison(
      record,
      `the record is ${size} bytes (key and value), more than the ${limits.maxRecordBytes} allowed`,
    );
  if (raw.key !== null && !isUtf8(raw.key)) throw poison(record, 'the key is not valid UTF-8');
  if (!isUtf8(value)) throw poison(record, 'the value is not valid UTF-8');
}

function text(value: RawJson | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

function integer(value: RawJson | undefined): bigint | null {
  return integerOf(value) ?? null;
}

/** source.sequence is a JSON array in a string: ["<last commit lsn>", "<this change's lsn>"]. */
function sequenceLsn(sequence: RawJson | undefined): bigint | null {
  if (typeof sequence !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(sequence);
    const lsn: unknown = Array.isArray(parsed) ? parsed[1] : undefined;
    // At most 20 digits (2^64): BigInt of a long digit string costs more than linear time.
    return typeof lsn === 'string' && /^\d{1,20}$/.test(lsn) ? BigInt(lsn) : null;
  } catch {
    return null;
  }
}

const maxLsn = 2n ** 64n - 1n;

// Qualified table names already made, by schema then table: every event of a table names it, and
// the fold compares it per event and model (one string compares by identity; a new concatenation
// by its characters, after flattening).
const qualifiedNames = new Map<string, Map<string, string>>();
const QUALIFIED_NAMES_KEPT = 10_000;

function qualifiedName(schema: string, table: string): string {
  let tables = qualifiedNames.get(schema);
  if (tables === undefined) {
    if (qualifiedNames.size >= QUALIFIED_NAMES_KEPT) qualifiedNames.clear();
    qualifiedNames.set(schema, (tables = new Map<string, string>()));
  }
  let name = tables.get(table);
  if (name === undefined) {
    if (tables.size >= QUALIFIED_NAMES_KEPT) tables.clear();
    tables.set(table, (name = `${schema}.${table}`));
  }
  return name;
}

function decodeSource(
  source: RawJson | undefined,
  record: RecordPosition,
  op: string | null,
): { table: string; position: SourcePosition } {
  if (!isObject(source)) throw poison(record, 'the envelope has no source block');
  // source.snapshot is a string in Debezium 2+, a boolean in older versions.
  const snapshot = typeof source.snapshot === 'boolean' ? String(source.snapshot) : text(source.snapshot);
  let lsn = integer(source.lsn);
  if (lsn === null && op === 'r' && snapshot === 'incremental') {
    // Debezium 3.5's incremental-snapshot reads have source.lsn null: use where the stream was.
    lsn = sequenceLsn(source.sequence);
    if (lsn === null)
      throw poison(record, 'an incremental snapshot read without source.lsn or source.sequence');
  }
  const commitTimeMs = integer(source.ts_ms);
  const table = text(source.table);
  if (lsn === null) throw poison(record, 'source.lsn is missing or not an integer');
  if (lsn < 0n || lsn > maxLsn) throw poison(record, `source.lsn ${lsn} is not a PostgreSQL LSN`);
  if (commitTimeMs === null) throw poison(record, 'source.ts_ms is missing or not an integer');
  if (table === null) throw poison(record, 'source.table is missing');
  return {
    table: qualifiedName(text(source.schema) ?? 'public', table),
    position: { lsn, txId: integer(source.txId), commitTimeMs, snapshot, origin: text(source.origin) },
  };
}

function decodeTransactionOrder(block: RawJson | undefined, record: RecordPosition): TransactionOrder | null {
  if (block === undefined || block === null) return null;
  const id = isObject(block) ? text(block.id) : null;
  const totalOrder = isObject(block) ? integer(block.total_order) : null;
  const dataCollectionOrder = isObject(block) ? integer(block.data_collection_order) : null;
  if (id === null || totalOrder === null || dataCollectionOrder === null)
    throw poison(record, 'a malformed transaction block (needs id, total_order, data_collection_order)');
  return { id, totalOrder, dataCollectionOrder };
}

/**
 * Row keys already decoded on the fast path, per limits and key schema (the parsed schema, which
 * splitWrapped reuses while its bytes stay the same), by the key's payload text: every later
 * change of a row repeats its key. Bounded in count (emptied when full) and in size: only keys of
 * a few hundred characters are kept, so a table keyed by long text cannot fill the memory.
 */
const decodedRowKeys = new WeakMap<DecodeLimits, WeakMap<object, Map<string, string>>>();
const ROW_KEYS_KEPT = 100_000;
const ROW_KEY_KEPT_CHARS = 256;

function rowKeysFor(limits: DecodeLimits, schema: object): Map<string, string> {
  let bySchema = decodedRowKeys.get(limits);
  if (bySchema === undefined)
    decodedRowKeys.set(limits, (bySchema = new WeakMap<object, Map<string, string>>()));
  let keys = bySchema.get(schema);
  if (keys === undefined) bySchema.set(schema, (keys = new Map<string, string>()));
  if (keys.size >= ROW_KEYS_KEPT) keys.clear();
  return keys;
}

/** The primary key as "col=value,col=value", stable across replays and Debezium versions. */
function decodeRowKey(
  key: Buffer | null,
  parse: Parse,
  record: RecordPosition,
  limits: DecodeLimits,
): string {
  if (key === null) throw poison(record, 'a row event without a key (tables need a primary key)');
  const wrapped = parse === parseFast && key.length <= 4 * ROW_KEY_KEPT_CHARS ? splitWrapped(key) : undefined;
  const known = wrapped && isObject(wrapped.schema) ? rowKeysFor(limits, wrapped.schema) : undefined;
  const hit = wrapped && known?.get(wrapped.payloadText);
  if (hit !== undefined) return hit;
  const { payload, schema } = parseBytes(key, parse, record, 'the key');
  if (!isObject(payload)) throw poison(record, 'the key is not a struct');
  const row = decodeRow(payload, schema, 'key', limits);
  const rowKey = Object.entries(row ?? {})
    .map(([column, value]) => `${column}=${keyPart(value)}`)
    .join(',');
  if (wrapped && wrapped.payloadText.length <= ROW_KEY_KEPT_CHARS) known?.set(wrapped.payloadText, rowKey);
  return rowKey;
}

function rowSchema(schema: SchemaNode | undefined, field: 'before' | 'after'): SchemaNode | undefined {
  const fields = schema?.fields;
  if (!Array.isArray(fields)) return undefined;
  for (const candidate of fields) if (isObject(candidate) && candidate.field === field) return candidate;
  return undefined;
}

function requireRow(row: Row | null, record: RecordPosition, what: string): Row {
  if (row === null) throw poison(record, `${what} is missing`);
  return row;
}

function messageContent(content: string | null, record: RecordPosition, limits: DecodeLimits): Buffer {
  if (content === null) throw poison(record, 'message.content is not base64');
  try {
    checkStringBytes(content, limits);
  } catch (error) {
    throw error instanceof ValueError ? error.under('message.content') : error;
  }
  if (!isBase64(content)) throw poison(record, 'message.content is not base64');
  return Buffer.from(content, 'base64');
}

function decodeEnvelope(
  envelope: JsonObject,
  schema: SchemaNode | undefined,
  raw: RawRecord,
  parse: Parse,
  record: RecordPosition,
  limits: DecodeLimits,
): ChangeEvent {
  const op = text(envelope.op);
  const { table, position: source } = decodeSource(envelope.source, record, op);
  const order = decodeTransactionOrder(envelope.transaction, record);
  const transaction = order === null ? {} : { transaction: order };
  if (op === 't') return { kind: 'truncate', record, table, source, ...transaction };
  if (op === 'm') {
    const message = envelope.message;
    if (!isObject(message)) throw poison(record, 'a message event without a message block');
    const prefix = text(message.prefix);
    if (prefix === null) throw poison(record, 'message.prefix is missing');
    return {
      kind: 'message',
      record,
      prefix,
      content: messageContent(text(message.content), record, limits),
      source,
      ...transaction,
    };
  }
  if (op !== 'c' && op !== 'u' && op !== 'd' && op !== 'r')
    throw poison(record, `unknown op ${JSON.stringify(envelope.op ?? null)}`);
  const beforeSchema = rowSchema(schema, 'before');
  const afterSchema = rowSchema(schema, 'after');
  const before = decodeRow(envelope.before ?? null, beforeSchema, 'before', limits);
  const after = decodeRow(envelope.after ?? null, afterSchema, 'after', limits);
  const base = {
    record,
    table,
    rowKey: decodeRowKey(raw.key, parse, record, limits),
    source,
    ...transaction,
    columnTypes: columnTypesOf(afterSchema ?? beforeSchema),
  };
  switch (op) {
    case 'c':
      return { kind: 'create', ...base, after: requireRow(after, record, 'after') } satisfies RowEvent;
    case 'u':
      return { kind: 'update', ...base, before, after: requireRow(after, record, 'after') };
    case 'd':
      return { kind: 'delete', ...base, before };
    case 'r':
      return { kind: 'read', ...base, after: requireRow(after, record, 'after') };
  }
}

function decodeDataCollections(
  value: RawJson | undefined,
  record: RecordPosition,
): DataCollectionCount[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw poison(record, 'data_collections is not an array');
  return value.map((entry) => {
    const dataCollection = isObject(entry) ? text(entry.data_collection) : null;
    const eventCount = isObject(entry) ? integer(entry.event_count) : null;
    if (dataCollection === null || eventCount === null)
      throw poison(record, 'a malformed data_collections entry');
    return { dataCollection, eventCount: Number(eventCount) };
  });
}

function decodeTransaction(payload: JsonObject, record: RecordPosition): ChangeEvent {
  const status = text(payload.status);
  const id = text(payload.id);
  if ((status !== 'BEGIN' && status !== 'END') || id === null)
    throw poison(record, 'a malformed transaction event');
  const count = integer(payload.event_count);
  const txId = /^(\d{1,20}):/.exec(id)?.[1];
  return {
    kind: 'transaction',
    record,
    status,
    id,
    txId: txId === undefined ? null : BigInt(txId),
    eventCount: count === null ? null : Number(count),
    dataCollections: decodeDataCollections(payload.data_collections, record),
  };
}

function decodeWith(
  raw: RawRecord,
  value: Buffer,
  parse: Parse,
  record: RecordPosition,
  limits: DecodeLimits,
): ChangeEvent {
  const { payload, schema } = parseBytes(value, parse, record, 'the value');
  if (!isObject(payload)) throw poison(record, 'the value is not a JSON object');
  try {
    if ('op' in payload) return decodeEnvelope(payload, schema, raw, parse, record, limits);
    if ('status' in payload && 'event_count' in payload) return decodeTransaction(payload, record);
  } catch (error) {
    if (error instanceof ValueError) throw poison(record, error.message, error);
    throw error;
  }
  // A heartbeat on a topic renamed with topic.heartbeat.prefix: its value is only {ts_ms}.
  if (Object.keys(payload).length === 1 && 'ts_ms' in payload) return { kind: 'heartbeat', record };
  throw poison(record, 'not a Debezium change event (no "op" field)');
}

/** What JsonConverter writes first when schemas are enabled (its output is compact). */
const SCHEMA_PREFIX = Buffer.from('{"schema":{');

/**
 * How a record's JSON is parsed. 'auto' (the default) first tries decodeRecordFast and, when it
 * declines, decodes from the exact parse of the payload (the schema holds no number the decoder
 * reads), whose outcome stands; 'exact' puts the whole document through the exact parser (for
 * tests and comparisons). All give the same event.
 */
export type ParseMode = 'auto' | 'exact';

/** The whole document through the exact parser. */
const parseExact: Parse = (bytes) => unwrap(parseExactJson(bytes.toString('utf8')));

/** A document with its schema: the (cached) schema and the payload through JSON.parse. */
const parseFast: Parse = (bytes) => {
  const wrapped = splitWrapped(bytes);
  if (wrapped === undefined) return parseExact(bytes);
  const payload = JSON.parse(wrapped.payloadText) as RawJson;
  return { payload, schema: isObject(wrapped.schema) ? wrapped.schema : undefined };
};

/** The same with the payload through the exact parser: what 'auto' falls back to. */
const parseExactPayload: Parse = (bytes) => {
  const wrapped = splitWrapped(bytes);
  if (wrapped === undefined) return parseExact(bytes);
  const payload = parseExactJson(wrapped.payloadText);
  return { payload, schema: isObject(wrapped.schema) ? wrapped.schema : undefined };
};

/** The fast path, on a record whose bytes were checked: see decodeRecordFast. */
function decodeFast(raw: RawRecord, record: RecordPosition, limits: DecodeLimits): ChangeEvent | undefined {
  if (raw.value === null || !raw.value.subarray(0, SCHEMA_PREFIX.length).equals(SCHEMA_PREFIX))
    return undefined;
  try {
    return decodeWith(raw, raw.value, parseFast, record, limits);
  } catch (error) {
    // Over a limit is over it on either path: refused now, not parsed a second time.
    if (error instanceof ReadoutError && error.cause instanceof LimitExceeded) throw error;
    return undefined;
  }
}

/**
 * The fast path: a value that carries its schema, parsed with JSON.parse (several times faster
 * than an exact parser), its schema only once per distinct schema text. Declines (undefined) when
 * a field it reads needs more than a double holds exactly (an integer beyond 2^53; a literal's own
 * text, which only schemaless documents need) or when the record would be refused: the exact path
 * then decides, and gives the reason. A number the decoder never reads (source.ts_ns, beyond 2^53
 * in every event) costs nothing. A record over one of the limits is refused here (thrown), as
 * decodeRecord would.
 */
export function decodeRecordFast(
  raw: RawRecord,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): ChangeEvent | undefined {
  const record: RecordPosition = { topic: raw.topic, partition: raw.partition, offset: raw.offset };
  if (raw.value === null) return undefined;
  checkBytes(raw, raw.value, record, limits);
  return decodeFast(raw, record, limits);
}

/**
 * Turns one Kafka record into a change event, or throws a non-retriable ReadoutError whose
 * message is the reason the record can never be applied (its position is in `details`): among
 * them a record over one of `limits` (DEFAULT_DECODE_LIMITS when not given).
 */
export function decodeRecord(
  raw: RawRecord,
  mode: ParseMode = 'auto',
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): ChangeEvent {
  const record: RecordPosition = { topic: raw.topic, partition: raw.partition, offset: raw.offset };
  if (raw.topic.startsWith('__debezium-heartbeat')) return { kind: 'heartbeat', record };
  if (raw.value === null) return { kind: 'tombstone', record };
  checkBytes(raw, raw.value, record, limits);
  try {
    const fast = mode === 'auto' ? decodeFast(raw, record, limits) : undefined;
    if (fast !== undefined) return fast;
    return decodeWith(raw, raw.value, mode === 'auto' ? parseExactPayload : parseExact, record, limits);
  } catch (error) {
    // Cannot happen (every number of an exact parse is a RawNumber); refuse rather than guess.
    if (error instanceof ExactParseNeeded) throw poison(record, 'a number could not be read exactly', error);
    // A stack overflow or an engine limit: the record would fail the same way every time, and a
    // thrown RangeError would have the batch retried forever.
    if (error instanceof RangeError)
      throw poison(record, `the record could not be decoded: ${error.message}`, error);
    throw error;
  }
}
