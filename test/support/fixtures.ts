import { readFileSync } from 'node:fs';
import type { RawRecord } from '../../src/decode/index.js';

const capturedDir = new URL('../fixtures/captured/', import.meta.url);
const publicDir = new URL('../../../shared/fixtures/debezium-public/', import.meta.url);

/**
 * A captured record as the Kafka consumer would hand it over: the exact bytes (re-serialised from
 * the recorded JSON), at a position of our choosing.
 */
export function capturedRecord(name: string, offset = '0'): RawRecord {
  const { topic, key, value } = JSON.parse(readFileSync(new URL(`${name}.json`, capturedDir), 'utf8')) as {
    topic: string;
    key: unknown;
    value: unknown;
  };
  return {
    topic,
    partition: 0,
    offset,
    key: key === null ? null : Buffer.from(JSON.stringify(key)),
    value: value === null ? null : Buffer.from(JSON.stringify(value)),
  };
}

/** A public fixture's value bytes, as a record on a given topic (its key is rebuilt from `key`). */
export function publicRecord(file: string, key: unknown, topic = 'dbserver1.public.table'): RawRecord {
  const text = readFileSync(new URL(file, publicDir), 'utf8');
  return {
    topic,
    partition: 0,
    offset: '7',
    key: Buffer.from(JSON.stringify(key)),
    value: Buffer.from(text),
  };
}

/** Replaces a JSON text fragment in a record's value: for variants of a real event. */
export function withValueText(record: RawRecord, from: string, to: string): RawRecord {
  const text = record.value?.toString('utf8') ?? '';
  if (!text.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return { ...record, value: Buffer.from(text.replace(from, to)) };
}
