import { hostname } from 'node:os';
import type { ReadoutConfig } from '../config/index.ts';
import { describeError } from '../errors/index.ts';
import { createKafkaSource, type ChangeSource } from '../ingest/index.ts';
import { watchDefinitionReloads, type ReloadOutcome } from '../live/index.ts';
import type { Logger } from '../log/logger.ts';
import {
  createBackfills,
  createProjectorMetrics,
  createStreamPositions,
  type Generations,
} from '../pipeline/index.ts';
import type { CompiledModel } from '../projection/index.ts';
import {
  checkReadiness,
  connectRedis,
  definitionsReloadedChannel,
  guardReader,
  modelReader,
  reloadDefinitionsChannel,
} from '../store/index.ts';
import { untilSignal, type CommandRun } from './command.ts';
import { definitionChanges, describeChanges } from './definition-changes.ts';
import { startOpsServer } from './ops-server.ts';
import { shutDownInOrder } from './shutdown.ts';
import { checkSourceColumns } from './source-columns.ts';
import {
  loadModels,
  redisSettings,
  sourceTopics,
  topicOf,
  transactionTopic,
  wireProjector,
  type ProjectorWiring,
} from './wiring.ts';

/** How often the projector looks for a Redis that lost everything while no batch came. */
const LOSS_CHECK_MS = 1000;

/** Reads the models' generations once before consuming, waiting (and saying so once) while Redis is down. */
async function refreshUntilRedisAnswers(generations: Generations, logger: Logger): Promise<void> {
  for (let told = false; ; told = true) {
    try {
      await generations.refresh();
      return;
    } catch (error) {
      if (!told)
        logger.warn({ err: error }, 'cannot read the read models from Redis yet; retrying every second');
      await new Promise((resolve) => setTimeout(resolve, LOSS_CHECK_MS));
    }
  }
}

/** The definitions a projector runs now; a reload replaces them between two batches. */
interface InForce {
  models: readonly CompiledModel[];
  modelsByName: Map<string, CompiledModel>;
  projector: ProjectorWiring['projector'];
  topics: string[];
}

/**
 * Reads the definitions again and puts them in force: the consumer reads the topics they need
 * (restarted inside the process when they changed), then, between two batches, the new projector
 * takes over and models Redis has never held are taken on (backfilled, see backfills.ts).
 * Invalid definitions change nothing: the error names the file, and the old ones stay in force.
 */
async function reloadDefinitions(
  config: ReadoutConfig,
  wiring: ProjectorWiring,
  inForce: InForce,
  source: ChangeSource,
  exclusive: <T>(work: () => Promise<T>) => Promise<T>,
  afterSwap: () => Promise<void>,
): Promise<ReloadOutcome> {
  const { logger, generations } = wiring;
  let next: CompiledModel[];
  let projector: ProjectorWiring['projector'];
  try {
    next = loadModels(config);
    await checkSourceColumns(config, logger);
    projector = wiring.projectorFor(next);
  } catch (error) {
    logger.error(
      { dir: config.readModelsDir },
      `read-model definitions not reloaded, the ones in force stay: ${describeError(error)}`,
    );
    return { ok: false, error: describeError(error) };
  }
  const changes = definitionChanges(inForce.models, next);
  const topics = sourceTopics(config, next);
  // The consumer first: its restart (a topic added or removed) loses seeks, which the models
  // taken on below make right after it.
  await source.setTopics(topics).catch((error: unknown) => {
    // The source tries again by itself (it restarts while wanted topics are not consumed).
    logger.warn({ err: error, topics }, 'the consumer could not restart with the new topics yet');
  });
  await exclusive(async () => {
    Object.assign(inForce, {
      models: next,
      modelsByName: new Map(next.map((model) => [model.name, model])),
      projector,
      topics,
    });
    generations.setModels(next);
    // The new definitions are in force from here: a failure below (Redis away for a moment) is
    // made good before the next batch (which refreshes and prepares again), not a refusal.
    try {
      await generations.refresh();
      await afterSwap();
    } catch (error) {
      logger.warn(
        { err: error },
        'definitions in force; taking new models on is retried before the next batch',
      );
    }
  });
  logger.info({ ...changes, topics }, `read-model definitions reloaded: ${describeChanges(changes)}`);
  return { ok: true, ...changes };
}

export const projectorCommand: CommandRun = {
  async run(config) {
    const wiring = wireProjector(config, 'projector');
    const { store, guard, generations, logger } = wiring;
    await checkSourceColumns(config, logger);
    const inForce: InForce = {
      models: wiring.models,
      modelsByName: new Map(wiring.models.map((model) => [model.name, model])),
      projector: wiring.projector,
      topics: sourceTopics(config, wiring.models),
    };
    const topics = inForce.topics;
    const source = createKafkaSource({
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      groupId: config.kafka.consumerGroup,
      topics,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      logger,
    });
    const prefix = config.redis.keyPrefix;
    const metrics = createProjectorMetrics(async () => {
      const models = inForce.models;
      const generations = await store.generations.read(models.map((model) => model.name));
      const [states, missed] = await Promise.all([
        store.positions.readiness(
          models.map((model) => modelReader(prefix, model.name, generations.get(model.name)?.current ?? 0)),
        ),
        store.countMissed(models),
      ]);
      return models.map((model, i) => ({
        model: model.name,
        missedRecords: missed.get(model.name) ?? 0,
        stopped: Boolean(states[i]?.stopped),
      }));
    });
    const guardReaders = guard ? [guardReader(prefix)] : [];
    // Each written generation keeps its own place in the stream (see generations.ts).
    const modelReadersOf = (topic: string) =>
      generations
        .targets()
        .filter((target) => topicOf(config, target.model) === topic)
        .map((target) => target.reader);
    const positions = createStreamPositions({
      positions: store.positions,
      readersOf: (topic) =>
        guard && topic === transactionTopic(config) ? guardReaders : modelReadersOf(topic),
      readers: () => [...generations.targets().map((target) => target.reader), ...guardReaders],
      topics: () => inForce.topics,
      source,
      forgetCached: () => store.forgetCached(),
      onReplay: (topic, partition) => metrics.observeReplay(topic, partition),
      groupHasCommitted: () => source.groupHasCommitted(),
      logger,
    });
    const backfills = createBackfills({
      positions: store.positions,
      readers: () => generations.targets().map((target) => target.reader),
      readersOf: modelReadersOf,
      source,
      logger,
    });
    await refreshUntilRedisAnswers(generations, logger);
    // Batches and the periodic generation check run one at a time.
    let tail: Promise<unknown> = Promise.resolve();
    const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
      const run = tail.then(work);
      tail = run.catch(() => undefined);
      return run;
    };
    let consuming = false;
    const ops = await startOpsServer(
      config.projector.host,
      config.projector.port,
      {
        metrics,
        ready: async () => {
          const models = await checkReadiness(store, inForce.modelsByName, prefix);
          return {
            ready: consuming && models.ready,
            detail: {
              consuming,
              notReady: models.notReady,
              incomplete: models.incomplete,
              backfilling: models.backfilling,
            },
          };
        },
      },
      logger,
    );
    // Also while waiting for Debezium's topics: a fresh Redis is marked ready (and empty) then.
    // Said once per outage, not every second (batches report their own failures).
    let checkFailing = false;
    const lossCheck = setInterval(() => {
      // A rebuild handed over or ready while no batch comes (the between-batches lock keeps a
      // switch from landing in the middle of one).
      exclusive(async () => {
        await generations.refresh();
        await generations.followRebuilds(source);
        await backfills.tick();
        await generations.switchReady();
        await positions.checkRecorded();
      }).catch((error: unknown) =>
        logger.debug({ err: error }, 'generation check failed; retried in a second'),
      );
      positions.checkForLoss().then(
        () => {
          if (checkFailing) logger.info('Redis answers the loss check again');
          checkFailing = false;
        },
        (error: unknown) => {
          if (!checkFailing) logger.warn({ err: error }, 'Redis loss check failed; retrying every second');
          checkFailing = true;
        },
      );
    }, LOSS_CHECK_MS);
    // `readout reload` (a Redis channel every projector and API listens on) and SIGHUP.
    const publisher = connectRedis(redisSettings(config, logger));
    const reloads = watchDefinitionReloads({
      subscriber: store.subscriberConnection(),
      publisher,
      channel: reloadDefinitionsChannel(prefix),
      replyChannel: definitionsReloadedChannel(prefix),
      processName: `projector ${process.pid}@${hostname()}`,
      logger,
      onReload: () =>
        reloadDefinitions(config, wiring, inForce, source, exclusive, () => backfills.prepare()),
    });
    const stopRequested = untilSignal();
    // Starting waits for Debezium to create a topic; a signal meanwhile still stops cleanly.
    await Promise.race([
      source.start(async (batch) => {
        const started = process.hrtime.bigint();
        return await exclusive(async () => {
          await generations.refresh();
          await generations.followRebuilds(source);
          await backfills.prepare();
          const rewind = await positions.check(batch);
          if (rewind) return rewind;
          const stats = await inForce.projector.handleBatch(batch);
          const lost = await positions.advance(batch, stats.recordedBy);
          if (lost) return lost;
          await generations.switchReady();
          metrics.observeBatch(batch, stats, Number(process.hrtime.bigint() - started) / 1e9);
          return undefined;
        });
      }),
      stopRequested,
    ]);
    consuming = true;
    logger.info(
      { topics, models: inForce.models.map((m) => m.name), group: config.kafka.consumerGroup },
      'projector consuming',
    );
    const signal = await stopRequested;
    logger.info({ signal }, 'projector stopping');
    clearInterval(lossCheck);
    consuming = false;
    await shutDownInOrder(logger, [
      ['stopped taking connections', () => ops.close()],
      [
        'paused consumption and drained the batch in flight (applied, offsets committed)',
        () => source.pause(),
      ],
      ['left the consumer group', () => source.stop()],
      [
        'quit Redis',
        async () => Promise.all([reloads.close(), publisher.quit(), store.quit(), guard?.quit()]),
      ],
    ]);
  },
};
