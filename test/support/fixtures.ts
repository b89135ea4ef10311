import { readFileSync, readdirSync } from 'node:fs';
import { parse, stringify } from 'lossless-json';
import { isRowEvent, type ChangeEvent, type RawRecord, type RowEvent } from '../../src/decode/index.ts';
import { ReadoutError } from '../../src/errors/index.ts';

const capturedDir = new URL('../fixtures/captured/', import.meta.url);
const publicDir = new URL('../../../shared/fixtures/debezium-public/', import.meta.url);

/** Compact JSON text of a parsed fixture part, every number exactly as recorded. */
function exactText(value: unknown): string {
  return stringify(value) ?? 'null';
}

/**
 * A captured record as the Kafka consumer would hand it over: the exact bytes (re-serialised from
 * the recorded JSON without passing numbers through a JS number), at a position of our choosing.
 */
export function capturedRecord(name: string, offset = '0'): RawRecord {
  const { topic, key, value } = parse(readFileSync(new URL(`${name}.json`, capturedDir), 'utf8')) as {
    topic: string;
    key: unknown;
    value: unknown;
  };
  return {
    topic,
    partition: 0,
    offset,
    key: key === null ? null : Buffer.from(exactText(key)),
    value: value === null ? null : Buffer.from(exactText(value)),
  };
}

/** The names of every captured fixture (without ".json"). */
export function capturedNames(): string[] {
  return readdirSync(capturedDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** The file names of every public fixture. */
export function publicFiles(): string[] {
  return readdirSync(publicDir)
    .filter((file) => file.endsWith('.json'))
    .sort();
}

/**
 * A public fixture as a record on a given topic. Files whose first key is `_comment` wrap the
 * record as `{key, value}` and bring their own key; the others are a value, and `key` is used.
 */
export function publicRecord(file: string, key: unknown, topic = 'dbserver1.public.table'): RawRecord {
  const text = readFileSync(new URL(file, publicDir), 'utf8');
  if (/^\s*\{\s*"_comment"/.test(text)) {
    const wrapped = parse(text) as { key: unknown; value: unknown };
    return {
      topic,
      partition: 0,
      offset: '7',
      key: wrapped.key === null ? null : Buffer.from(exactText(wrapped.key)),
      value: wrapped.value === null ? null : Buffer.from(exactText(wrapped.value)),
    };
  }
  return {
    topic,
    partition: 0,
    offset: '7',
    key: key === null ? null : Buffer.from(JSON.stringify(key)),
    value: Buffer.from(text),
  };
}

/**
 * Replaces a JSON text fragment in a record's value (its first occurrence, or every one with
 * `everywhere`, as in a fragment both the schema and the payload hold): variants of a real event.
 */
export function withValueText(
  record: RawRecord,
  from: string,
  to: string,
  { everywhere = false }: { everywhere?: boolean } = {},
): RawRecord {
  const text = record.value?.toString('utf8') ?? '';
  if (!text.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return { ...record, value: Buffer.from(everywhere ? text.split(from).join(to) : text.replace(from, to)) };
}

/** Replaces a JSON text fragment in a record's key. */
export function withKeyText(record: RawRecord, from: string, to: string): RawRecord {
  const text = record.key?.toString('utf8') ?? '';
  if (!text.includes(from)) throw new Error(`fixture key does not contain ${from}`);
  return { ...record, key: Buffer.from(text.replace(from, to)) };
}

/** Narrows a decoded event to a row event, failing the test otherwise. */
export function asRowEvent(event: ChangeEvent): RowEvent {
  if (!isRowEvent(event)) throw new Error(`expected a row event, got ${event.kind}`);
  return event;
}

/** The ReadoutError a decode throws (fails the test if it throws nothing or something else). */
export function decodeError(run: () => unknown): ReadoutError {
  try {
    run();
  } catch (error) {
    if (error instanceof ReadoutError) return error;
    throw error;
  }
  throw new Error('expected a decode error');
}

/** Bob's paid order of 12.50 (a real Debezium insert) as order `id` at `offset`, its LSN made unique. */
export function capturedOrder(id: number, offset: number): RawRecord {
  const record = capturedRecord('create-bob-paid', String(offset));
  const keyed = {
    ...record,
    key: Buffer.from(record.key?.toString('utf8').replace('"id":2', `"id":${id}`) ?? ''),
  };
  return withValueText(
    withValueText(keyed, '"id":2,', `"id":${id},`, { everywhere: true }),
    '"lsn":26849296',
    `"lsn":${26849296 + offset}`,
    { everywhere: true },
  );
}
