import { hostname } from 'node:os';
import { createKafkaSource } from '../ingest/index.ts';
import { watchDefinitionReloads } from '../live/index.ts';
import { createProjectorService } from '../pipeline/index.ts';
import { connectRedis, definitionsReloadedChannel, reloadDefinitionsChannel } from '../store/index.ts';
import { untilSignal, type CommandRun } from './command.ts';
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
} from './wiring.ts';

/**
 * `readout projector`: wires the projector service (pipeline/projector-service.ts) to Kafka,
 * Redis, its ops port and reloads, and stops it in order on a signal.
 */

export const projectorCommand: CommandRun = {
  async run(config) {
    const wiring = wireProjector(config, 'projector');
    const { store, guard, generations, logger } = wiring;
    await checkSourceColumns(config, logger);
    const source = createKafkaSource({
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      groupId: config.kafka.consumerGroup,
      topics: sourceTopics(config, wiring.models),
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      logger,
    });
    const service = createProjectorService({
      source,
      store,
      guard,
      generations,
      keyPrefix: config.redis.keyPrefix,
      logger,
      models: wiring.models,
      projectorFor: wiring.projectorFor,
      topicOf: (model) => topicOf(config, model),
      topicsOf: (models) => sourceTopics(config, models),
      transactionTopic: guard ? transactionTopic(config) : null,
      loadDefinitions: async () => {
        const models = loadModels(config);
        await checkSourceColumns(config, logger);
        return models;
      },
    });
    const ops = await startOpsServer(
      config.projector.host,
      config.projector.port,
      {
        metrics: service.metrics,
        ready: async () => {
          const { ready, ...detail } = await service.readiness();
          return { ready, detail };
        },
      },
      logger,
    );
    // `readout reload` (a Redis channel every projector and API listens on) and SIGHUP.
    const prefix = config.redis.keyPrefix;
    const publisher = connectRedis(redisSettings(config, logger));
    const reloads = watchDefinitionReloads({
      subscriber: store.subscriberConnection(),
      publisher,
      channel: reloadDefinitionsChannel(prefix),
      replyChannel: definitionsReloadedChannel(prefix),
      processName: `projector ${process.pid}@${hostname()}`,
      logger,
      onReload: () => service.reload(),
    });
    const stopRequested = untilSignal();
    // Starting waits for Redis and for Debezium to create a topic; a signal meanwhile still stops cleanly.
    await Promise.race([service.start(), stopRequested]);
    logger.info({ signal: await stopRequested }, 'projector stopping');
    await shutDownInOrder(logger, [
      ['stopped taking connections', () => ops.close()],
      [
        'paused consumption and drained the batch in flight (applied, offsets committed)',
        () => service.drain(),
      ],
      ['left the consumer group', () => service.stop()],
      [
        'quit Redis',
        async () => Promise.all([reloads.close(), publisher.quit(), store.quit(), guard?.quit()]),
      ],
    ]);
  },
};
