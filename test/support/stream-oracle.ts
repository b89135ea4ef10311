/**
 * What Debezium actually delivered: the moves into "shipped" found in the orders topic itself,
 * counted without Readout's fold. Each streamed change of a row is taken once (Kafka Connect
 * re-sends a change after a crash with the same LSN) and a row's changes are walked in LSN order
 * (a row is locked until its writer commits, so that is the order they happened in).
 *
 * The exactly-once test compares Readout's flow with this, and this with PostgreSQL's own audit:
 * the first difference would be Readout's, the second Debezium's.
 */
import { stackKafka } from './model-checks.js';
import { decodeRecord, isRowEvent } from '../../src/decode/index.js';

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

/** Moves into "shipped" by changes whose LSN is above `afterLsn`, as the topic holds them now. */
export async function shippedMovesInStream(topic: string, afterLsn: bigint): Promise<StreamMoves> {
  const kafka = stackKafka('readout-test-oracle');
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  // Per row: its streamed changes by LSN (status and amount after the change; null once deleted).
  const rows = new Map<
    string,
    Map<bigint, { status: unknown; cents: bigint; at: string; commitMs: number }>
  >();
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
            if (!isRowEvent(event) || event.kind === 'read') continue;
            const changes =
              rows.get(event.rowKey) ??
              new Map<bigint, { status: unknown; cents: bigint; at: string; commitMs: number }>();
            rows.set(event.rowKey, changes);
            const place = {
              at: `${batch.partition}@${message.offset}`,
              commitMs: Number(event.source.commitTimeMs),
            };
            changes.set(
              event.source.lsn,
              event.kind === 'delete'
                ? { status: null, cents: 0n, ...place }
                : { status: event.after.status ?? null, cents: cents(event.after.amount), ...place },
            );
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
  for (const [rowKey, changes] of rows) {
    let before: unknown = null;
    for (const lsn of [...changes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const change = changes.get(lsn);
      if (!change) continue;
      if (lsn > afterLsn && change.status === 'shipped' && before !== 'shipped') {
        count += 1n;
        amountCents += change.cents;
        moves.push({
          rowKey,
          lsn: lsn.toString(),
          at: change.at,
          commitMinute: new Date(Math.floor(change.commitMs / 60_000) * 60_000).toISOString(),
        });
      }
      before = change.status;
    }
  }
  return { count, amountCents, moves };
}
