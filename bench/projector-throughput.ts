/**
 * Projector throughput on 200k real-shaped Debezium events, next to a baseline measured in the
 * same run: a bare kafkajs consumer that only reads and JSON-parses the same messages.
 *
 * The events (bench/support/orders-events.ts) are loaded once into a fresh topic `<run>.public.orders` on
 * the stack's Kafka; the projector applies them to every demo read model of public.orders in the
 * stack's Redis under a fresh key prefix. Needs `npm run stack:up`.
 *   node bench/projector-throughput.ts [--events 200000]
 */
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { loadConfig } from '../src/config/index.ts';
import { createKafkaSource } from '../src/ingest/index.ts';
import { createProjector, createStreamPositions } from '../src/pipeline/index.ts';
import { loadDefinitions } from '../src/definitions/index.ts';
import { compileModel } from '../src/projection/index.ts';
import { createRedisStore, modelReader, withRowCache } from '../src/store/index.ts';
import { loadOrdersTopic } from './support/orders-events.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    // Profile the projector alone on a topic an earlier run loaded (no baseline, no report).
    'projector-only': { type: 'string' },
  },
});
const total = Number(values.events);
const config = loadConfig(process.env);
const run = `bench${Date.now()}`;
let topicOverride: string | undefined;
const topic = `${run}.public.orders`;
const silent = pino({ level: 'silent' });

/** Baseline: a bare kafkajs consumer group that reads every message and JSON-parses it. */
async function bareConsumer(expected: number): Promise<number> {
  const kafka = new Kafka({
    clientId: 'readout-bench',
    brokers: [...config.kafka.brokers],
    logLevel: logLevel.NOTHING,
  });
  // The same fetch sizes as Readout's source, so the comparison is about the work per message.
  const consumer = kafka.consumer({
    groupId: `${run}-bare`,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let started = 0;
  let checksum = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        for (const message of batch.messages) {
          const key = JSON.parse(message.key?.toString('utf8') ?? 'null') as unknown;
          const value = message.value ? (JSON.parse(message.value.toString('utf8')) as unknown) : null;
          if (key && value) checksum += 1;
        }
        seen += batch.messages.length;
        if (seen >= expected) resolve(performance.now() - started);
        return Promise.resolve();
      },
    });
  });
  const elapsed = await done;
  await consumer.disconnect();
  void checksum;
  return elapsed;
}

/** Readout: the projector's own stages (kafkajs source, decode, fold, Redis scripts) on the same topic. */
async function projector(
  expected: number,
): Promise<{ elapsedMs: number; applied: number; duplicates: number }> {
  const models = loadDefinitions(config.readModelsDir)
    .map(({ definition }) => compileModel(definition))
    .filter((model) => model.table === 'public.orders');
  const store = withRowCache(
    createRedisStore({ url: config.redis.url, keyPrefix: run }),
    config.rowCacheRows,
  );
  const pipeline = createProjector({ models, store, logger: silent });
  const source = createKafkaSource({
    brokers: config.kafka.brokers,
    clientId: 'readout-bench',
    groupId: `${run}-readout`,
    topics: [topicOverride ?? topic],
    sessionTimeoutMs: 30_000,
    logger: silent,
  });
  // As in `readout projector`: each batch checked against the positions Redis holds, then recorded.
  const readers = models.map((model) => modelReader(run, model));
  const positions = createStreamPositions({
    positions: store.positions,
    readersOf: () => readers,
    readers: () => readers,
    topics: [topicOverride ?? topic],
    source,
    forgetCached: () => store.forgetCached(),
    logger: silent,
  });
  let seen = 0;
  let started = 0;
  let applied = 0;
  let duplicates = 0;
  const done = new Promise<number>((resolve) => {
    void source.start(async (batch) => {
      if (started === 0) started = performance.now();
      const rewind = await positions.check(batch); // once at the start: a fresh Redis is filled from offset 0
      if (rewind) return rewind;
      const stats = await pipeline.handleBatch(batch);
      await positions.advance(batch, stats.recordedBy);
      applied += stats.applied;
      duplicates += stats.duplicates;
      seen += batch.records.length;
      if (seen >= expected) resolve(performance.now() - started);
    });
  });
  const elapsedMs = await done;
  await source.stop();
  await store.quit();
  return { elapsedMs, applied, duplicates };
}

const reuse = values['projector-only'];
if (reuse !== undefined) {
  const [reuseTopic = '', count = '0'] = reuse.split('@');
  topicOverride = reuseTopic;
  const result = await projector(Number(count));
  process.stdout.write(
    `readout projector: ${(Number(count) / (result.elapsedMs / 1000)).toFixed(0)} messages/s\n`,
  );
  process.exit(0);
}
const loadStarted = performance.now();
const messages = await loadOrdersTopic(config.kafka.brokers, topic, 1, total);
const loadSeconds = (performance.now() - loadStarted) / 1000;
process.stdout.write(`loaded ${messages} messages into ${topic} in ${loadSeconds.toFixed(1)} s\n`);
const bareMs = await bareConsumer(messages);
process.stdout.write(`bare kafkajs consumer: ${(messages / (bareMs / 1000)).toFixed(0)} messages/s\n`);
const readout = await projector(messages);
process.stdout.write(`readout projector: ${(messages / (readout.elapsedMs / 1000)).toFixed(0)} messages/s\n`);

const rate = (ms: number) => Math.round(messages / (ms / 1000));
const modelsCount = loadDefinitions(config.readModelsDir).filter(
  ({ definition }) => definition.source === 'public.orders',
).length;
const report = `## Projector throughput (${new Date().toISOString().slice(0, 10)})

Script: \`bench/projector-throughput.ts --events ${total}\` (against \`npm run stack:up\`). Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} vCPU, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; Kafka 4.1.2, Redis 7 and the consumers on the same machine.

${messages} messages over 20k rows (creates, status updates, deletes each followed by its tombstone) shaped like the captured orders events (JsonConverter with schemas, ~3.8 KB each, precise decimals), one partition. Each consumer is a new group reading from the first offset; time from its first batch to its last message.

| consumer | messages/s | time | ratio |
|---|---|---|---|
| baseline: bare kafkajs consumer, JSON.parse of key and value | ${rate(bareMs)} | ${(bareMs / 1000).toFixed(1)} s | 1.00 |
| Readout projector: position check, decode, fold and apply to ${modelsCount} read models of public.orders | ${rate(readout.elapsedMs)} | ${(readout.elapsedMs / 1000).toFixed(1)} s | ${(bareMs / readout.elapsedMs).toFixed(2)} |

The projector applied ${readout.applied} row changes across those models (one change counts once per model) and skipped ${readout.duplicates} as duplicates.
`;
process.stdout.write(`\n${report}`);
appendFileSync('BENCHMARKS.md', `\n${report}`);
process.exit(0);
