/**
 * Latency from a PostgreSQL commit to (a) the Debezium record reaching a Kafka consumer — the
 * baseline, what CDC alone costs — and (b) the new version being pushed to a graphql-ws
 * subscriber of Readout, measured in the same run on the same inserts.
 *
 * Needs the demo pipeline running (`npm run demo`; stop its workload with the pid in
 * .stack/run/workload.pid for an idle measurement; BENCH_LOAD describes any other load in the
 * report). Appends a section to BENCHMARKS.md.
 *   node bench/commit-to-subscriber.ts [--inserts 50]
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import pino from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/index.ts';
import { decodeRecord } from '../src/decode/index.ts';
import { createKafkaSource } from '../src/ingest/index.ts';
import { percentile, sleep } from './support/measure.ts';

const { values } = parseArgs({ options: { inserts: { type: 'string', default: '50' } } });
const inserts = Number(values.inserts);
const config = loadConfig(process.env);
const apiUrl = `ws://${config.api.host}:${config.api.port}/graphql`;

const kafkaArrival = new Map<bigint, number>();
const pushArrival = new Map<bigint, number>();
let newestPushedTxId = -1n;

const source = createKafkaSource({
  brokers: config.kafka.brokers,
  clientId: 'readout-bench',
  groupId: `readout-bench-${Date.now()}`,
  topics: [`${config.kafka.topicPrefix}.public.orders`],
  sessionTimeoutMs: config.kafka.sessionTimeoutMs,
  logger: pino({ level: 'warn' }),
});
await source.start((batch) => {
  const now = performance.now();
  for (const record of batch.records) {
    const event = decodeRecord(record);
    if (event.kind === 'create' && event.source.txId !== null) kafkaArrival.set(event.source.txId, now);
  }
  return Promise.resolve();
});

const client = createClient({ url: apiUrl, webSocketImpl: WebSocket });
client.subscribe<{ ordersByStatus: { freshness: { sourceTxId: string | null } } }>(
  { query: 'subscription { ordersByStatus { freshness { sourceTxId } } }' },
  {
    next: ({ data }) => {
      const txId = data?.ordersByStatus.freshness.sourceTxId;
      if (txId) {
        newestPushedTxId = BigInt(txId);
        pushArrival.set(newestPushedTxId, performance.now());
      }
    },
    error: (error: unknown) => process.stderr.write(`subscription error: ${JSON.stringify(error)}\n`),
    complete: () => undefined,
  },
);

const db = new pg.Client({ connectionString: config.postgres.url });
await db.connect();
// Let the bench consumer catch up with the topic's history before measuring.
await sleep(8000);

const toKafka: number[] = [];
const toSubscriber: number[] = [];
for (let i = 0; i < inserts; i += 1) {
  const { rows } = await db.query<{ txid: string }>(
    "INSERT INTO orders (customer, status, amount) VALUES ('bench', 'pending', 1.00) RETURNING txid_current()::text AS txid",
  );
  const committed = performance.now();
  const txId = BigInt(rows[0]?.txid ?? '0');
  const deadline = committed + 10_000;
  while ((!kafkaArrival.has(txId) || newestPushedTxId < txId) && performance.now() < deadline) await sleep(2);
  const kafkaAt = kafkaArrival.get(txId);
  const pushedAt = [...pushArrival].find(([pushed]) => pushed >= txId)?.[1];
  if (kafkaAt === undefined || pushedAt === undefined)
    throw new Error(`insert ${i} (txId ${txId}) not seen within 10 s`);
  toKafka.push(kafkaAt - committed);
  toSubscriber.push(pushedAt - committed);
  await sleep(200);
}
await db.query("DELETE FROM orders WHERE customer = 'bench'");

const row = (name: string, samples: number[]) =>
  `| ${name} | ${samples.length} | ${percentile(samples, 50).toFixed(0)} | ${percentile(samples, 95).toFixed(0)} | ${percentile(samples, 99).toFixed(0)} | ${Math.max(...samples).toFixed(0)} |`;

const report = [
  `## Commit → subscriber latency (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
  `Single-row INSERTs, one every ~200 ms after the previous one arrived, ${process.env.BENCH_LOAD ?? 'with no other writes'}, on the local stack`,
  '(PostgreSQL 15, Debezium 3.5.0.Final with poll.interval.ms=100, Kafka 4.1.2, Redis 7).',
  'Times in ms from COMMIT returning to the client.',
  '',
  '| path | samples | p50 | p95 | p99 | max |',
  '|---|---|---|---|---|---|',
  row('baseline: Debezium record reaches a kafkajs consumer', toKafka),
  row('Readout: new version pushed to a graphql-ws subscriber', toSubscriber),
  '',
].join('\n');
process.stdout.write(`${report}\n`);
if (!existsSync('BENCHMARKS.md'))
  writeFileSync(
    'BENCHMARKS.md',
    '# Benchmarks\n\nEach section was measured by the script named in it, on the machine it names.\n\n',
  );
appendFileSync('BENCHMARKS.md', `${report}\nScript: \`bench/commit-to-subscriber.ts\`.\n\n`);

await client.dispose();
await source.stop();
await db.end();
process.exit(0);
