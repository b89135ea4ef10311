/**
 * What Debezium actually delivered: the moves into "shipped" found in the orders topic itself,
 * counted without Readout's fold. A row's events are walked in the topic's order (one row stays
 * in one partition, where Debezium writes its changes in the order they happened):
 * - a streamed change re-sent by Kafka Connect after a crash (same LSN) is taken once;
 * - a snapshot read gives the row's state but is never a move (a row created or changed while
 *   Debezium was stopped reaches the topic as a read, and a later change keeping it "shipped"
 *   moves nothing).
 *
 * The exactly-once tests compare Readout's flow with this, and this with PostgreSQL's own audit:
 * the first difference would be Readout's, the second Debezium's.
 */
import { Kafka, logLevel } from 'kafkajs';
import { decodeRecord, isRowEvent } from '../../src/decode/index.ts';

export interface StreamMoves {
  readonly count: bigint;
  /** Orders' amounts summed, in cents. */
  readonly amountCents: bigint;
  /** Each move, to say which one a projection missed. */
  readonly moves: ReadonlyArray<{
    readonly rowKey: string;
    readonly lsn: string;
    readonly at: string;
    readonly commitMinute: string;
  }>;
}

/** A Kafka client of the stack started by `npm test` (READOUT_KAFKA_BROKERS), quiet. */
export function stackKafka(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: (process.env.READOUT_KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
}

interface RowEventSeen {
  readonly read: boolean;
  readonly lsn: bigint;
  readonly status: unknown;
  readonly cents: bigint;
  /** "partition@offset" */
  readonly at: string;
  readonly commitMs: number;
}

/** An amount (numeric(12, 2), decoded exactly) in cents. */
function cents(value: unknown): bigint {
  if (typeof value !== 'object' || value === null || !('unscaled' in value) || !('scale' in value))
    throw new Error(`not an exact decimal: ${String(value)}`);
  const { unscaled, scale } = value as { unscaled: bigint; scale: number };
  return scale <= 2 ? unscaled * 10n ** BigInt(2 - scale) : unscaled / 10n ** BigInt(scale - 2);
}

/** PostgreSQL's WAL position now, as Debezium writes LSNs (a number). */
export async function currentLsn(db: {
  query: (sql: string) => Promise<{ rows: Array<{ lsn: string }> }>;
}): Promise<bigint> {
  const { rows } = await db.query('SELECT pg_current_wal_lsn()::text AS lsn');
  const [high = '0', low = '0'] = (rows[0]?.lsn ?? '0/0').split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/**
 * Moves into "shipped" by changes at or after `fromLsn` (PostgreSQL's WAL position taken before
 * they were made: the first record written after it starts exactly there), as the topic holds
 * them now.
 */
export async function shippedMovesInStream(topic: string, fromLsn: bigint): Promise<StreamMoves> {
  const kafka = stackKafka('readout-test-oracle');
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  // Per row: its events in the topic's order (status and amount after each; null once deleted).
  const rows = new Map<string, RowEventSeen[]>();
  const consumer = kafka.consumer({ groupId: `oracle-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const reached = new Map<number, bigint>();
  await new Promise<void>((resolve, reject) => {
    const done = () => [...ends].every(([p, high]) => high === 0n || (reached.get(p) ?? 0n) >= high);
    if (done()) resolve();
    consumer
      .run({
        // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            let event;
            try {
              event = decodeRecord({
                topic,
                partition: batch.partition,
                offset: message.offset,
                key: message.key,
                value: message.value,
              });
            } catch {
              continue; // a poison record another test produced (it is in Readout's dead letters)
            }
            if (!isRowEvent(event)) continue;
            const events = rows.get(event.rowKey) ?? [];
            rows.set(event.rowKey, events);
            events.push({
              read: event.kind === 'read',
              lsn: event.source.lsn,
              status: event.kind === 'delete' ? null : (event.after.status ?? null),
              cents: event.kind === 'delete' ? 0n : cents(event.after.amount),
              at: `${batch.partition}@${message.offset}`,
              commitMs: Number(event.source.commitTimeMs),
            });
          }
          reached.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
          if (done()) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  let count = 0n;
  let amountCents = 0n;
  const moves: Array<StreamMoves['moves'][number]> = [];
  for (const [rowKey, events] of rows) {
    let status: unknown = null;
    const streamed = new Set<bigint>();
    for (const event of events) {
      if (!event.read) {
        if (streamed.has(event.lsn)) continue; // re-sent after a Connect crash
        streamed.add(event.lsn);
        if (event.lsn >= fromLsn && event.status === 'shipped' && status !== 'shipped') {
          count += 1n;
          amountCents += event.cents;
          moves.push({
            rowKey,
            lsn: event.lsn.toString(),
            at: event.at,
            commitMinute: new Date(Math.floor(event.commitMs / 60_000) * 60_000).toISOString(),
          });
        }
      }
      status = event.status;
    }
  }
  return { count, amountCents, moves };
}
