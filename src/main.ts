/**
 * Readout's composition root and command line: the only place that wires several stages.
 * Usage: tsx src/main.ts <projector|api|seed|workload|watch> [options]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createApi } from './api/index.js';
import { loadConfig, type ReadoutConfig } from './config/index.js';
import { watchOrdersByStatus } from './demo/watch.js';
import { runWorkload, seedOrders } from './demo/workload.js';
import { describeError, isReadoutError } from './errors/index.js';
import { createKafkaSource } from './ingest/index.js';
import { createLiveFeed } from './live/index.js';
import { createLogger } from './log/logger.js';
import { createProjector } from './pipeline/index.js';
import { compileModel, type CompiledModel } from './projection/index.js';
import { loadDefinitions } from './definitions/index.js';
import { createRedisStore, modelKeys } from './store/index.js';

/** Resolves on the first SIGTERM or SIGINT. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

/** The read models, compiled from their definition files (every problem reported at once). */
function loadModels(config: ReadoutConfig): CompiledModel[] {
  return loadDefinitions(config.readModelsDir).map(({ definition }) => compileModel(definition));
}

async function runProjector(config: ReadoutConfig): Promise<void> {
  const logger = createLogger(config.logLevel, 'projector');
  const models = loadModels(config);
  const store = createRedisStore(config.redis);
  const projector = createProjector({ models, store, logger });
  const topics = [...new Set(models.map((model) => `${config.kafka.topicPrefix}.${model.table}`))];
  const source = createKafkaSource({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    groupId: config.kafka.consumerGroup,
    topics,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    logger,
  });
  const stopRequested = untilSignal();
  // Starting waits for Debezium to create the topic; a signal meanwhile still stops cleanly.
  await Promise.race([
    source.start(async (batch) => {
      await projector.handleBatch(batch);
    }),
    stopRequested,
  ]);
  logger.info(
    { topics, models: models.map((m) => m.name), group: config.kafka.consumerGroup },
    'projector consuming',
  );
  const signal = await stopRequested;
  logger.info({ signal }, 'projector stopping');
  await source.stop();
  await store.quit();
}

async function runApi(config: ReadoutConfig): Promise<void> {
  const logger = createLogger(config.logLevel, 'api');
  const models = new Map(loadModels(config).map((model) => [model.name, model]));
  const store = createRedisStore(config.redis);
  const live = createLiveFeed({
    subscriber: store.duplicateConnection(),
    channelOf: (model) => modelKeys(config.redis.keyPrefix, model).channel,
    readSnapshot: (name) => {
      const model = models.get(name);
      if (!model) throw new Error(`unknown read model ${name}`);
      return store.readSnapshot(model);
    },
    logger,
  });
  const api = createApi({ context: { store, live, models, now: () => Date.now() }, ...config.api, logger });
  await api.start();
  const signal = await untilSignal();
  logger.info({ signal }, 'api stopping');
  await api.stop();
  await live.close();
  await store.quit();
}

async function runSeed(config: ReadoutConfig, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { count: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' } },
  });
  const client = new pg.Client({ connectionString: config.postgres.url });
  await client.connect();
  try {
    await seedOrders(
      client,
      positiveInteger(values.count, '--count'),
      positiveInteger(values.seed, '--seed'),
    );
  } finally {
    await client.end();
  }
}

async function runWorkloadCommand(config: ReadoutConfig, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: 'string', default: '20' },
      operations: { type: 'string' },
      mix: { type: 'string', default: '5:4:1' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    },
  });
  const [inserts, updates, deletes] = values.mix
    .split(':')
    .map((part) => positiveInteger(part, '--mix', true));
  if (
    inserts === undefined ||
    updates === undefined ||
    deletes === undefined ||
    inserts + updates + deletes === 0
  ) {
    throw new Error('--mix must be inserts:updates:deletes, e.g. 5:4:1');
  }
  const logger = createLogger(config.logLevel, 'workload');
  const controller = new AbortController();
  void untilSignal().then(() => controller.abort());
  const counts = await runWorkload(
    config.postgres.url,
    {
      rate: positiveInteger(values.rate, '--rate'),
      ...(values.operations === undefined
        ? {}
        : { operations: positiveInteger(values.operations, '--operations') }),
      mix: { inserts, updates, deletes },
      seed: positiveInteger(values.seed, '--seed', true),
    },
    logger,
    controller.signal,
  );
  logger.info(counts, 'workload done');
}

async function runWatch(config: ReadoutConfig): Promise<void> {
  const controller = new AbortController();
  void untilSignal().then(() => controller.abort());
  const url = `http://${config.api.host}:${config.api.port}/graphql`;
  await watchOrdersByStatus(url, (line) => process.stdout.write(`${line}\n`), controller.signal);
}

function positiveInteger(text: string, option: string, allowZero = false): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new Error(`${option} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${text}"`);
  }
  return value;
}

const commands: Record<string, (config: ReadoutConfig, args: string[]) => Promise<void>> = {
  projector: runProjector,
  api: runApi,
  seed: runSeed,
  workload: runWorkloadCommand,
  watch: runWatch,
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    process.stderr.write(`usage: readout <${Object.keys(commands).join('|')}> [options]\n`);
    process.exitCode = 2;
    return;
  }
  await command(loadConfig(process.env), args);
}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(
      `readout: ${isReadoutError(error) ? `[${error.code}] ` : ''}${describeError(error)}\n`,
    );
    process.exit(isReadoutError(error) && error.code === 'CONFIG_INVALID' ? 2 : 1);
  },
);
