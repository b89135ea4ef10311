/**
 * The projector's CPU per message, without Kafka: the orders events (bench/support/orders-events.ts)
 * are built in memory, cut into batches of Kafka's size (8 MB per partition fetch, ~2200 records)
 * and handed to the real projector (decode, verdicts, fold, the lane scripts on the stack's Redis
 * under a fresh key prefix). Next to it, in the same run, the bare consumer's work on the same
 * records (JSON.parse of key and value). For comparing changes of the projector's own work
 * quickly: the end-to-end figure is bench/projector-processes.ts's.
 *   (source stack/env.sh; node bench/projector-cpu.ts [--events 200000] [--models 6] [--rounds 3])
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config/index.ts';
import type { RawRecord } from '../src/decode/index.ts';
import { loadDefinitions } from '../src/definitions/index.ts';
import type { SourceBatch } from '../src/ingest/index.ts';
import { createProjector } from '../src/pipeline/index.ts';
import { compileModel, type CompiledModel } from '../src/projection/index.ts';
import { createRedisStore, withRowCache } from '../src/store/index.ts';
import { ordersEvents } from './support/orders-events.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    models: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    // The key prefix to write under (default: a fresh one per round), e.g. to compare two commits' results.
    prefix: { type: 'string' },
  },
});
const total = Number(values.events);
const modelCount = Number(values.models);
const config = loadConfig(process.env);
const topic = 'bench.public.orders';
const BATCH_BYTES = 8 * 1024 * 1024;

/** The first `count` models of public.orders, copies under other names past the definitions'. */
function ordersModels(count: number): CompiledModel[] {
  const orders = loadDefinitions(config.readModelsDir)
    .map(({ definition }) => definition)
    .filter((definition) => definition.source === 'public.orders');
  return Array.from({ length: count }, (_, i) => {
    const definition = orders[i % orders.length];
    if (!definition) throw new Error('no model of public.orders');
    const copy = Math.floor(i / orders.length);
    return compileModel({
      ...definition,
      name: copy === 0 ? definition.name : `${definition.name}_copy${copy}`,
    });
  });
}

function batches(): SourceBatch[] {
  const all: SourceBatch[] = [];
  let records: RawRecord[] = [];
  let bytes = 0;
  let offset = 0;
  for (const message of ordersEvents(total)) {
    const value = message.value === null ? null : Buffer.from(message.value);
    records.push({ topic, partition: 0, offset: String(offset), key: Buffer.from(message.key), value });
    offset += 1;
    bytes += (value?.length ?? 0) + message.key.length;
    if (bytes >= BATCH_BYTES) {
      all.push({ topic, partition: 0, highWatermark: '0', records });
      records = [];
      bytes = 0;
    }
  }
  if (records.length > 0) all.push({ topic, partition: 0, highWatermark: '0', records });
  return all;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

function bare(input: readonly SourceBatch[]): { cpuMs: number; wallMs: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let parsed = 0;
  for (const batch of input)
    for (const record of batch.records) {
      const key = JSON.parse(record.key?.toString('utf8') ?? 'null') as unknown;
      const value = record.value ? (JSON.parse(record.value.toString('utf8')) as unknown) : null;
      if (key && value) parsed += 1;
    }
  if (parsed < 0) throw new Error('unreachable');
  return { cpuMs: cpuMs(cpu), wallMs: performance.now() - started };
}

async function projector(
  input: readonly SourceBatch[],
  round: number,
): Promise<{ cpuMs: number; wallMs: number }> {
  const store = withRowCache(
    createRedisStore({ url: config.redis.url, keyPrefix: values.prefix ?? `benchcpu${Date.now()}r${round}` }),
    config.rowCacheRows,
  );
  const pipeline = createProjector({
    models: ordersModels(modelCount),
    store,
    logger: pino({ level: 'silent' }),
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const batch of input) await pipeline.handleBatch(batch);
  const result = { cpuMs: cpuMs(cpu), wallMs: performance.now() - started };
  await store.quit();
  return result;
}

const input = batches();
const messages = input.reduce((sum, batch) => sum + batch.records.length, 0);
process.stdout.write(
  `${messages} messages in ${input.length} batches, ${modelCount} models; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`,
);
const perMessage = (ms: number) => `${((ms * 1000) / messages).toFixed(1)} µs`;
for (let round = 1; round <= Number(values.rounds); round += 1) {
  const baseline = bare(input);
  const readout = await projector(input, round);
  process.stdout.write(
    `round ${round}: bare ${perMessage(baseline.cpuMs)} CPU/msg; projector ${perMessage(readout.cpuMs)} CPU/msg, ${perMessage(readout.wallMs)} wall/msg (${Math.round(messages / (readout.wallMs / 1000))} msg/s), ratio of CPU ${(baseline.cpuMs / readout.cpuMs).toFixed(2)}\n`,
  );
}
process.exit(0);
