import { createKafkaSource } from '../ingest/index.js';
import { untilSignal, type Command } from './command.js';
import { sourceTopics, wireProjector } from './wiring.js';

export const projectorCommand: Command = {
  name: 'projector',
  summary: 'consume the Debezium topics and keep the read models in Redis',
  usage: 'readout projector\n  Runs until SIGTERM/SIGINT. Configuration: READOUT_* variables (see README).',
  async run(config) {
    const { models, store, guard, projector, logger } = wireProjector(config, 'projector');
    const topics = sourceTopics(config, models);
    const source = createKafkaSource({
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      groupId: config.kafka.consumerGroup,
      topics,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      logger,
    });
    const stopRequested = untilSignal();
    // Starting waits for Debezium to create a topic; a signal meanwhile still stops cleanly.
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
    await guard?.quit();
  },
};
