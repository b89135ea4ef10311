/**
 * A purge of at least 100k old orders by `readout archive`, under a live business workload, on
 * the real stack. Measures the archiver's rate, the peak replication lag (WAL PostgreSQL has not
 * yet sent to Debezium, and commit → Kafka delay of the captured events), the peak projector lag
 * (Kafka consumer-group lag in events, and commit → applied delay of live probe inserts), and how
 * long live updates were delayed — next to a baseline phase of the same workload without a purge,
 * measured in the same run.
 *
 * Needs `npm run stack:up` (nothing else running on it). Starts its own projector (fresh consumer
 * group and key prefix) and runs the archiver as operators do. Appends a section to BENCHMARKS.md.
 *   node bench/purge-under-load.ts [--rows 100000] [--batch-size 1000]
 *     [--baseline-seconds 30] [--rate 20]
 */
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { loadConfig } from '../src/config/index.ts';
import { loadDefinitions, loadSources } from '../src/definitions/index.ts';
import { runWorkload } from '../demo/workload.ts';
import { createLogger } from '../src/log/logger.ts';
import { compileModel } from '../src/projection/index.ts';
import { createRedisStore } from '../src/store/index.ts';
import { markerTxId, waitApplied } from '../test/support/caught-up.ts';
import { runReadout, startReadout } from '../test/support/readout-process.ts';
import { log, percentile, sleep } from './support/measure.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'batch-size': { type: 'string', default: '1000' },
    'baseline-seconds': { type: 'string', default: '30' },
    rate: { type: 'string', default: '20' },
  },
});
const oldRows = Number(values.rows);
const config = loadConfig(process.env);
const run = `purge${Date.now()}`;
const env = { READOUT_CONSUMER_GROUP: run, READOUT_KEY_PREFIX: run };

function missing(name: string): never {
  throw new Error(`${name} is not defined`);
}
const readModels = new URL('../readmodels/', import.meta.url).pathname;
const sources = new Map(loadSources(readModels).map((source) => [source.table, source]));
const models = loadDefinitions(readModels).map(({ definition }) =>
  compileModel(definition, sources.get(definition.source)),
);
const probeModel = models.find((model) => model.name === 'orders_by_status') ?? missing('orders_by_status');
const store = createRedisStore({ url: config.redis.url, keyPrefix: run });
const db = new pg.Client({ connectionString: config.postgres.url });
await db.connect();

// 1. Old orders (100–400 days old), each with one order line, in transactions of 10k orders.
log(`seeding ${oldRows} old orders with one line each`);
for (let done = 0; done < oldRows; done += 10_000) {
  await db.query(
    `WITH o AS (
       INSERT INTO orders (customer, status, amount, created_at)
       SELECT 'old-' || (g % 17), (ARRAY['pending','paid','shipped','delivered','cancelled'])[1 + g % 5],
              (10 + (g * 7919) % 90000) / 100.0, now() - interval '100 days' - (g % 300) * interval '1 day'
       FROM generate_series(1, $1) g RETURNING id)
     INSERT INTO order_items (order_id, product, quantity, unit_price) SELECT id, 'old-widget', 1 + id % 4, 2.50 FROM o`,
    [Math.min(10_000, oldRows - done)],
  );
}
const { rows: counted } = await db.query<{ old: string }>(
  "SELECT count(*)::text AS old FROM orders WHERE created_at < now() - interval '90 days'",
);
const toArchive = Number(counted[0]?.old ?? 0);

// 2. The projector, from the start of the topics, caught up before anything is measured.
const projector = startReadout(`${run}-projector`, 'projector', env);
const catchUpStart = performance.now();
await waitApplied(store, models, await markerTxId(db), 600_000);
log(`projector caught up with the history in ${((performance.now() - catchUpStart) / 1000).toFixed(1)} s`);

/** Orders as orders_by_status counts them, and in SQL: live + archived, and old rows still live. */
async function keptCounts(): Promise<{ projected: bigint; sql: bigint; oldLive: bigint }> {
  // The archiver creates orders_archive at its first run: a stack never archived has none yet.
  const { rows: found } = await db.query<{ present: boolean }>(
    `SELECT to_regclass('orders_archive') IS NOT NULL AS present`,
  );
  const archived = found[0]?.present ? '(SELECT count(*) FROM orders_archive)' : '0';
  const { rows } = await db.query<{ sql: string; old: string }>(
    `SELECT ((SELECT count(*) FROM orders) + ${archived})::text AS sql,
            (SELECT count(*) FROM orders WHERE created_at < now() - interval '90 days')::text AS old`,
  );
  let projected = 0n;
  for (const bucket of (await store.readSnapshot(probeModel)).buckets)
    for (const group of bucket.groups) projected += group.counters.orders ?? 0n;
  return { projected, sql: BigInt(rows[0]?.sql ?? -1), oldLive: BigInt(rows[0]?.old ?? -1) };
}
const start = await keptCounts();

// 3. What is sampled while the live workload runs.
type Phase = 'baseline' | 'purge';
let phase: Phase = 'baseline';
const probeLag: Record<Phase, number[]> = { baseline: [], purge: [] };
const kafkaDelay: Record<Phase, number[]> = { baseline: [], purge: [] };
const walNotSent: Record<Phase, number[]> = { baseline: [], purge: [] };
const consumerLag: Record<Phase, number[]> = { baseline: [], purge: [] };

const topics = ['public.orders', 'public.order_items'].map((t) => `${config.kafka.topicPrefix}.${t}`);
const kafka = new Kafka({ brokers: [...config.kafka.brokers], clientId: run, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const watcher = kafka.consumer({ groupId: `${run}-watch` });
await watcher.connect();
await watcher.subscribe({ topics, fromBeginning: false });
await watcher.run({
  eachMessage: ({ message }) => {
    if (!message.value) return Promise.resolve();
    const value = JSON.parse(message.value.toString('utf8')) as {
      payload?: { source?: { ts_ms?: number } };
    };
    const committedAt = value.payload?.source?.ts_ms;
    if (committedAt !== undefined) kafkaDelay[phase].push(Date.now() - committedAt);
    return Promise.resolve();
  },
});

async function sampleLags(): Promise<void> {
  const { rows } = await db.query<{ bytes: string | null }>(
    'SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), sent_lsn))::text AS bytes FROM pg_stat_replication',
  );
  walNotSent[phase].push(Number(rows[0]?.bytes ?? 0));
  const watched = [...topics, `${config.kafka.topicPrefix}.transaction`];
  let lag = 0;
  for (const committed of await admin.fetchOffsets({ groupId: run, topics: watched })) {
    const ends = await admin.fetchTopicOffsets(committed.topic);
    for (const partition of committed.partitions) {
      const end = Number(ends.find((e) => e.partition === partition.partition)?.high ?? 0);
      lag += Math.max(0, end - Math.max(0, Number(partition.offset)));
    }
  }
  consumerLag[phase].push(lag);
}

// Probes: an insert every 250 ms; its delay is commit → the model's applied position reaching it.
const probes: { txId: bigint; committedAt: number; phase: Phase }[] = [];
let measuring = true;
const probing = (async () => {
  const probeDb = new pg.Client({ connectionString: config.postgres.url });
  await probeDb.connect();
  let nextSample = 0;
  while (measuring) {
    const { rows } = await probeDb.query<{ txid: string }>(
      "INSERT INTO orders (customer, status, amount) VALUES ('probe', 'pending', 1.00) RETURNING txid_current()::text AS txid",
    );
    probes.push({ txId: BigInt(rows[0]?.txid ?? '0'), committedAt: performance.now(), phase });
    if (performance.now() >= nextSample) {
      nextSample = performance.now() + 500;
      await sampleLags();
    }
    await sleep(250);
  }
  await probeDb.end();
})();
const watching = (async () => {
  while (measuring || probes.length > 0) {
    const applied = (await store.readSnapshot(probeModel)).source.txId;
    const now = performance.now();
    while (applied !== null && probes[0] && probes[0].txId <= BigInt(applied)) {
      const probe = probes.shift();
      if (probe) probeLag[probe.phase].push(now - probe.committedAt);
    }
    await sleep(20);
  }
})();

const workloadStop = new AbortController();
const workload = runWorkload(
  config.postgres.url,
  { rate: Number(values.rate), seed: 11, mix: { inserts: 5, updates: 4, deletes: 1 } },
  createLogger('warn', 'bench-workload'),
  workloadStop.signal,
);

// 4. Baseline: the workload alone. Then the purge, under the same workload.
log(`baseline: live workload at ${values.rate} changes/s for ${values['baseline-seconds']} s`);
await sleep(Number(values['baseline-seconds']) * 1000);
phase = 'purge';
log(`purge: readout archive of ${toArchive} orders (and their lines), batches of ${values['batch-size']}`);
const purgeStart = performance.now();
const archived = await runReadout(
  [
    'archive',
    '--table',
    'public.orders',
    '--older-than',
    '90d',
    '--batch-size',
    values['batch-size'],
    '--json',
  ],
  env,
);
const purgeSeconds = (performance.now() - purgeStart) / 1000;
if (archived.code !== 0) throw new Error(`archive failed (${archived.code}): ${archived.stderr}`);
const result = JSON.parse(archived.stdout) as { rows: number; childRows: number };
workloadStop.abort();
const operations = await workload;
measuring = false;
await probing;
await watching;

// 5. A sanity check: the "keep" model still counts every order, live or archived. Business deletes
// of old orders (the workload picks any order) are archival too under the declared retention
// (readmodels/sources.yaml), so they are kept as well; so are those of earlier runs on this stack,
// hence the difference measured when the projector had caught up, before anything ran.
await waitApplied(store, models, await markerTxId(db), 300_000);
const end = await keptCounts();
const oldDeletedByWorkload = BigInt(toArchive - result.rows) - end.oldLive;
const sqlTotal = end.sql + oldDeletedByWorkload + (start.projected - start.sql);
log(
  `orders_by_status counts ${end.projected} orders; SQL: live + archived + old deleted by the workload (this run ${oldDeletedByWorkload}, earlier runs ${start.projected - start.sql}) = ${sqlTotal}`,
);
if (end.projected !== sqlTotal) throw new Error('the keep model does not equal live + archived rows');
const projected = end.projected;
await projector.stop();
await watcher.disconnect();
await admin.disconnect();
await store.quit();
await db.end();

// 6. The report.
/** Math.max(...samples) overflows the stack on a few hundred thousand samples. */
const largest = (samples: number[]) => samples.reduce((max, value) => (value > max ? value : max), -Infinity);
const ms = (samples: number[]) =>
  `${percentile(samples, 50).toFixed(0)} / ${percentile(samples, 95).toFixed(0)} / ${largest(samples).toFixed(0)}`;
const peak = (samples: number[]) => Math.max(0, largest(samples));
const over2s = (samples: number[]) => samples.filter((lag) => lag > 2000).length;
const row = (name: string, pick: (p: Phase) => string) =>
  `| ${name} | ${pick('baseline')} | ${pick('purge')} |`;
const archivedRows = result.rows + result.childRows;

const report = [
  `## Purge under live traffic (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Script: \`bench/purge-under-load.ts --rows ${oldRows} --batch-size ${values['batch-size']} --baseline-seconds ${values['baseline-seconds']} --rate ${values.rate}\` (against \`npm run stack:up\`). Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; PostgreSQL 15, Debezium 3.5.0.Final (poll.interval.ms=100), Kafka 4.1.2, Redis 7, one projector (all demo read models), the archiver and this script on the same machine.`,
  '',
  `\`readout archive --table public.orders --older-than 90d --batch-size ${values['batch-size']}\` (default lag bound 2 s) archived ${result.rows} orders and ${result.childRows} cascading order lines (${archivedRows} rows) in ${purgeSeconds.toFixed(1)} s: **${Math.round(result.rows / purgeSeconds)} orders/s, ${Math.round(archivedRows / purgeSeconds)} rows/s**. Meanwhile the demo workload wrote ${operations.insert} inserts, ${operations.update} status updates and ${operations.delete} business deletes (${values.rate}/s, on any order, old or new), and a probe inserted an order every 250 ms. The baseline is the same workload and probes for ${values['baseline-seconds']} s before the purge, in the same run.`,
  '',
  '| measured | baseline (no purge) | during the purge |',
  '|---|---|---|',
  row('live update delay, probe commit → applied in Redis, ms (p50 / p95 / max)', (p) => ms(probeLag[p])),
  row('probes applied later than 2 s', (p) => `${over2s(probeLag[p])} of ${probeLag[p].length}`),
  row('commit → Kafka consumer, every captured event, ms (p50 / p95 / max)', (p) => ms(kafkaDelay[p])),
  row('peak WAL not yet sent to Debezium (pg_stat_replication), bytes', (p) => String(peak(walNotSent[p]))),
  row('peak projector consumer-group lag, events (sampled every 500 ms)', (p) =>
    String(peak(consumerLag[p])),
  ),
  '',
  `After the purge, orders_by_status (archive: keep) counted ${projected} orders; SQL: live + archived + old orders the workload deleted (archival under the declared 90-day retention: ${oldDeletedByWorkload} in this run, ${start.projected - start.sql} in earlier runs on this stack) = ${sqlTotal}.`,
  '',
].join('\n');
process.stdout.write(`\n${report}\n`);
appendFileSync('BENCHMARKS.md', `${report}\n`);
process.exit(0);
