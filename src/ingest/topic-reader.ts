import { Kafka, logLevel } from 'kafkajs';

export interface TopicReaderOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topic: string;
  /** Each record's value as text (null: a tombstone), in order, from the topic's beginning. */
  readonly onValue: (text: string | null) => void;
  /**
   * Asked after each record and whenever the reader has caught up with the topic's end (also
   * when the topic does not exist yet): true ends the reading.
   */
  readonly done: (caughtUp: boolean) => boolean;
  /** How often `done(true)` is asked again while nothing arrives. */
  readonly idleMs?: number;
}

/**
 * Reads a small topic (Debezium's notifications) from its beginning, with a consumer group of
 * its own that is deleted afterwards: nothing is committed, nobody else's position moves.
 */
export async function readTopic(options: TopicReaderOptions): Promise<void> {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const idleMs = options.idleMs ?? 500;
  try {
    while (!(await admin.listTopics()).includes(options.topic)) {
      if (options.done(true)) return;
      await new Promise((resolve) => setTimeout(resolve, idleMs));
    }
    const groupId = `${options.clientId}-${process.pid}-${Date.now()}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: idleMs });
    await consumer.connect();
    try {
      // Where the topic ended when we looked: reaching it is "caught up" (later records too).
      const ends = new Map(
        (await admin.fetchTopicOffsets(options.topic)).map((p) => [p.partition, BigInt(p.high)]),
      );
      const next = new Map<number, bigint>();
      const caughtUp = () => [...ends].every(([partition, high]) => (next.get(partition) ?? 0n) >= high);
      await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        let finished = false;
        const finish = () => {
          if (!finished) {
            finished = true;
            clearInterval(timer);
            resolve();
          }
        };
        const timer = setInterval(() => {
          if (caughtUp() && options.done(true)) finish();
        }, idleMs);
        consumer
          .run({
            autoCommit: false,
            eachMessage: ({ partition, message }) => {
              if (finished) return Promise.resolve();
              options.onValue(message.value === null ? null : message.value.toString('utf8'));
              next.set(partition, BigInt(message.offset) + 1n);
              if (options.done(caughtUp())) finish();
              return Promise.resolve();
            },
          })
          .catch((error: unknown) => {
            clearInterval(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          });
      });
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
  } finally {
    await admin.disconnect();
  }
}
