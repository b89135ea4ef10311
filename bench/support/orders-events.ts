/**
 * Real-shaped Debezium events for the projector benchmarks: the orders events captured from the
 * local stack (JsonConverter with schemas, precise decimals), varied per row: creates, status
 * updates and deletes (each followed by its tombstone) over 20k rows, LSNs increasing. Keyed by
 * primary key, as Debezium keys them, so a topic of several partitions keeps each row's order.
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';

interface Captured {
  key: { schema: unknown; payload: { id: number } };
  value: {
    schema: unknown;
    payload: Record<string, unknown> & {
      after: Record<string, unknown> | null;
      source: Record<string, unknown>;
    };
  };
}
const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../test/fixtures/captured/${name}.json`, import.meta.url), 'utf8'),
  ) as Captured;
const create = fixture('create-alice-pending');
const update = fixture('update-alice-paid');
const remove = fixture('delete-bob');

/** Distinct rows the events are spread over. */
export const ORDERS_ROWS = 20_000;
const ROWS = ORDERS_ROWS;
const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];
const CUSTOMERS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka'];

/** The unscaled amount as Kafka Connect's Decimal bytes (big-endian two's complement), base64. */
function decimalBytes(cents: number | bigint): string {
  let hex = cents.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * An amount of `digits` digits (numeric(digits, 2)) for the i-th event, or cents below 1000.00
 * when `digits` is 0 (the captured numeric(12, 2)).
 */
function amountOf(i: number, digits: number): string {
  if (digits === 0) return decimalBytes(100 + ((i * 104729) % 99_900));
  const seed = String(1 + ((i * 104729) % 9_999_991)).padStart(7, '0');
  return decimalBytes(BigInt(seed.repeat(Math.ceil(digits / 7)).slice(0, digits)));
}

/** The template's schema declaring the amount numeric(digits, 2). */
function schemaOf(template: Captured, digits: number): unknown {
  if (digits === 0) return template.value.schema;
  return JSON.parse(
    JSON.stringify(template.value.schema).replaceAll(
      '"connect.decimal.precision":"12"',
      `"connect.decimal.precision":"${digits}"`,
    ),
  ) as unknown;
}

function event(
  template: Captured,
  id: number,
  lsn: number,
  after: Record<string, unknown> | null,
  digits = 0,
) {
  const key = JSON.stringify({ schema: template.key.schema, payload: { id } });
  const source = {
    ...template.value.payload.source,
    lsn,
    txId: lsn,
    sequence: `["${lsn - 8}","${lsn}"]`,
    ts_ms: 1795491179175 + lsn,
  };
  const payload = {
    ...template.value.payload,
    source,
    ...(after ? { after } : { before: { ...(template.value.payload.before as object), id } }),
  };
  return { key, value: JSON.stringify({ schema: schemaOf(template, digits), payload }) };
}

/**
 * `total` messages (tombstones included) of creates, then updates and deletes of live rows;
 * amounts of `amountDigits` digits when it is not 0 (sums then pass 2^63 at once).
 */
export function* ordersEvents(
  total: number,
  amountDigits = 0,
): Generator<{ key: string; value: string | null }> {
  let lsn = 30_000_000;
  let produced = 0;
  const alive = new Set<number>();
  for (let i = 0; produced < total; i += 1) {
    const id = 1 + (i % ROWS);
    lsn += 8;
    const roll = (i * 7919) % 10;
    const after = {
      ...create.value.payload.after,
      id,
      customer: CUSTOMERS[i % CUSTOMERS.length],
      status: STATUSES[(i * 31) % STATUSES.length],
      amount: amountOf(i, amountDigits),
    };
    if (!alive.has(id) || i < ROWS) {
      alive.add(id);
      yield event(create, id, lsn, after, amountDigits);
    } else if (roll < 8) {
      yield event(update, id, lsn, after, amountDigits);
    } else {
      alive.delete(id);
      const deleted = event(remove, id, lsn, null, amountDigits);
      yield deleted;
      produced += 1;
      yield { key: deleted.key, value: null }; // the tombstone
    }
    produced += 1;
  }
}

/** Creates `topic` with `partitions` and loads `total` orders events into it; returns how many. */
export async function loadOrdersTopic(
  brokers: readonly string[],
  topic: string,
  partitions: number,
  total: number,
  amountDigits = 0,
): Promise<number> {
  const kafka = new Kafka({ clientId: 'readout-bench', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  let batch: Array<{ key: string; value: string | null }> = [];
  let count = 0;
  for (const message of ordersEvents(total, amountDigits)) {
    batch.push(message);
    if (batch.length === 200) {
      await producer.send({ topic, messages: batch, acks: 1 });
      count += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) await producer.send({ topic, messages: batch, acks: 1 });
  count += batch.length;
  await producer.disconnect();
  return count;
}
