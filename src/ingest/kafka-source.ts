import { Kafka, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import type { ChangeSource, SourceBatch } from './source.js';

export interface KafkaSourceOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
}

/** kafkajs's log lines, forwarded to ours at their level (it is chatty at INFO). */
function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...rest } = log;
      if (level === logLevel.ERROR) logger.error(rest, message);
      else if (level === logLevel.WARN) logger.warn(rest, message);
      else logger.debug(rest, message);
    };
}

function toSourceBatch(payload: EachBatchPayload): SourceBatch {
  const { batch } = payload;
  return {
    topic: batch.topic,
    partition: batch.partition,
    records: batch.messages.map((message) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
    })),
  };
}

/**
 * Kafka consumer-group source (the only place kafkajs is used). New groups start from the
 * earliest offset, so a fresh projector rebuilds from everything the topics retain.
 */
export function createKafkaSource(options: KafkaSourceOptions): ChangeSource {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(options.logger),
  });
  let consumer: Consumer | undefined;
  let stopped = false;

  /**
   * Debezium creates a table's topic with the first change it captures, so on a fresh database
   * the topic may not exist yet: wait for it rather than create it (its settings are Debezium's).
   */
  async function waitForTopics(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      let warned = false;
      for (;;) {
        const existing = new Set(await admin.listTopics());
        const missing = options.topics.filter((topic) => !existing.has(topic));
        if (missing.length === 0 || stopped) return;
        if (!warned) options.logger.info({ missing }, 'waiting for Debezium to create the source topics');
        warned = true;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } finally {
      await admin.disconnect();
    }
  }

  return {
    async start(handle) {
      await waitForTopics();
      if (stopped) return;
      consumer = kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: options.sessionTimeoutMs,
        heartbeatInterval: Math.floor(options.sessionTimeoutMs / 5),
      });
      const active = consumer;
      await active.connect();
      await active.subscribe({ topics: [...options.topics], fromBeginning: true });
      await active.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          if (batch.isEmpty() || !payload.isRunning() || payload.isStale()) return;
          await handle(toSourceBatch(payload));
          const lastOffset = batch.lastOffset();
          payload.resolveOffset(lastOffset);
          // Committed only now: Redis has acknowledged everything up to lastOffset.
          await active.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() },
          ]);
          await payload.heartbeat();
        },
      });
    },
    async stop() {
      stopped = true;
      await consumer?.disconnect();
    },
  };
}
