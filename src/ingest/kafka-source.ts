import { Kafka, logLevel, type Consumer, type EachBatchPayload, type TopicPartitionOffset } from 'kafkajs';
import type { Logger } from '../log/logger.ts';
import type { ChangeSource, PartitionRange, Rewind, SourceBatch } from './source.ts';

export interface KafkaSourceOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
  /** How often to look for source topics that did not exist yet. */
  readonly topicCheckIntervalMs?: number;
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
    highWatermark: batch.highWatermark,
    records: batch.messages.map((message) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
    })),
  };
}

type Handler = (batch: SourceBatch) => Promise<void | Rewind>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Kafka consumer-group source (the only place kafkajs is used). New groups start from the
 * earliest offset, so a fresh projector rebuilds from everything the topics retain.
 *
 * Debezium creates a table's topic with the first change it captures, so some source topics may
 * not exist yet. Creating them here would bypass Debezium's topic settings (partitions), so the
 * source consumes the topics that exist and, when a missing one appears, restarts its consumer
 * with the longer list (committed offsets make the restart lossless).
 */
export function createKafkaSource(options: KafkaSourceOptions): ChangeSource {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(options.logger),
  });
  const admin = kafka.admin();
  const checkEveryMs = options.topicCheckIntervalMs ?? 2000;
  // The source topics wanted now (a reload of the definitions changes them).
  let wanted: readonly string[] = [...options.topics];
  // The topics the running consumer subscribed to, and its batch handler once started.
  let consuming: string[] = [];
  let handler: Handler | undefined;
  // Restarts of the consumer (new topics appeared, or others are wanted) run one at a time.
  let restarting: Promise<void> = Promise.resolve();
  let consumer: Consumer | undefined;
  // The group's latest assignment to this member: topic → partitions.
  let assignment: Record<string, number[]> = {};
  let stopped = false;
  let paused = false;
  // The batch being handled, if any: pausing waits for it (handled and committed).
  let inFlight: Promise<unknown> | undefined;
  // The latest offset commit, not waited for by the batch (see eachBatch); never rejects.
  let committing: Promise<void> = Promise.resolve();
  let watcher: Promise<void> | undefined;

  /**
   * Commits `offset` without the batch waiting for it. Commits go to the group coordinator over one
   * connection, which Kafka serves in order: they land in the order sent, and before the LeaveGroup
   * that stopping the consumer sends after the last batch.
   */
  function commit(active: Consumer, offset: TopicPartitionOffset): Promise<void> {
    return active.commitOffsets([offset]).catch((error: unknown) => {
      // The next batch's commit covers this one; until then a restart reads a batch again.
      options.logger.warn({ err: error, ...offset }, 'committing an offset to Kafka failed');
    });
  }

  async function existingTopics(): Promise<string[]> {
    const existing = new Set(await admin.listTopics());
    return wanted.filter((topic) => existing.has(topic));
  }

  async function range(topic: string, partition: number): Promise<PartitionRange> {
    const offsets = await admin.fetchTopicOffsets(topic);
    const found = offsets.find((entry) => entry.partition === partition);
    return { topic, partition, low: found?.low ?? '0', high: found?.high ?? '0' };
  }

  /**
   * kafkajs restarts a consumer after a retriable failure only. A consumer the group dropped (a
   * stall past the session timeout: "the coordinator is not aware of this member") crashes for
   * good, and the process would stay up consuming nothing: it joins the group again instead.
   */
  function rejoinAfterCrash(active: Consumer, topics: string[], handle: Handler): void {
    active.on(active.events.CRASH, ({ payload }) => {
      if (payload.restart || stopped || consumer !== active) return;
      assignment = {};
      options.logger.warn(
        { err: payload.error },
        'the Kafka consumer stopped for good (dropped from its group?): joining the group again',
      );
      void (async () => {
        // The consumer to replace: the crashed one, then each attempt that failed.
        let replacing: Consumer | undefined = active;
        for (;;) {
          await sleep(checkEveryMs);
          // Stopping, or restarted meanwhile for new topics.
          if (stopped || consumer !== replacing) return;
          try {
            await run(topics, handle);
            return;
          } catch (error) {
            replacing = consumer;
            await consumer?.disconnect().catch(() => undefined);
            options.logger.warn({ err: error }, 'joining the consumer group again failed; retrying');
          }
        }
      })();
    });
  }

  async function run(topics: string[], handle: Handler): Promise<void> {
    const active = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.floor(options.sessionTimeoutMs / 5),
      // kafkajs would otherwise create a missing topic through a metadata request.
      allowAutoTopicCreation: false,
      // Debezium records with schemas are ~4 KB: 1 MB (the default) is only ~250 per batch, and
      // each batch costs a read and a script per read model.
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxBytes: 16 * 1024 * 1024,
    });
    consumer = active;
    active.on(active.events.GROUP_JOIN, ({ payload }) => {
      assignment = payload.memberAssignment;
    });
    rejoinAfterCrash(active, topics, handle);
    await active.connect();
    await active.subscribe({ topics, fromBeginning: true });
    await active.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (paused || batch.isEmpty() || !payload.isRunning() || payload.isStale()) return;
        const work = (async () => {
          const outcome = await handle(toSourceBatch(payload));
          if (outcome) {
            // Nothing resolved or committed: the partition is read again from there.
            active.seek({ topic: batch.topic, partition: batch.partition, offset: outcome.rewindTo });
            return;
          }
          const lastOffset = batch.lastOffset();
          payload.resolveOffset(lastOffset);
          // Committed only now (Redis has acknowledged everything up to lastOffset), and not
          // waited for: the next batch is fetched meanwhile. Redis's recorded offsets, not the
          // group's, say what each model read (stream-positions.ts), so a commit that is late or
          // lost (a rebalance, a crash) only has records delivered again, which are duplicates.
          committing = commit(active, {
            topic: batch.topic,
            partition: batch.partition,
            offset: (BigInt(lastOffset) + 1n).toString(),
          });
        })();
        // Pausing waits for the batch and its commit. A batch that failed is thrown to kafkajs
        // below (which tries it again); this promise must not reject as well, unhandled: Node
        // would end the process (seen in the scale test when a Redis failover failed a batch).
        inFlight = work.then(
          () => committing,
          () => undefined,
        );
        await work;
        await payload.heartbeat();
      },
    });
  }

  const sameTopics = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

  /**
   * Consumes `topics` from now on: kafkajs cannot change a running consumer's subscription, so
   * the consumer leaves the group (after the batch in flight is handled and committed) and joins
   * again with them; committed offsets make that lossless, and a topic new to the group is read
   * from its start. In the same process: nothing else restarts.
   */
  function restartWith(topics: string[], why: string): Promise<void> {
    const next = restarting.then(async () => {
      if (stopped || paused || !handler || sameTopics(topics, consuming)) return;
      options.logger.info({ topics, before: consuming }, `${why}: restarting the consumer with them`);
      const leaving = consumer;
      consumer = undefined;
      assignment = {};
      await leaving?.disconnect();
      await committing;
      consuming = topics;
      if (stopped || topics.length === 0) return;
      try {
        await run(topics, handler);
      } catch (error) {
        // Nothing consumes now: the watcher tries again (it restarts whenever topics are missing).
        // (run() set `consumer` to the one that failed; TypeScript still sees the undefined above.)
        const failed = consumer as Consumer | undefined;
        await failed?.disconnect().catch(() => undefined);
        consumer = undefined;
        consuming = [];
        throw error;
      }
    });
    restarting = next.catch(() => undefined);
    return next;
  }

  async function watchForNewTopics(): Promise<void> {
    while (!stopped) {
      await sleep(checkEveryMs);
      if (stopped) return;
      if (consuming.length === wanted.length) continue;
      const now = await existingTopics().catch(() => consuming);
      if (now.length <= consuming.length) continue;
      await restartWith(now, 'new source topics appeared').catch((error: unknown) => {
        options.logger.warn({ err: error }, 'restarting the consumer failed; trying again');
      });
    }
  }

  return {
    async start(handle) {
      await admin.connect();
      let topics = await existingTopics();
      let warned = false;
      while (topics.length === 0 && !stopped) {
        if (!warned) options.logger.info({ topics: wanted }, 'waiting for Debezium to create a source topic');
        warned = true;
        await sleep(checkEveryMs);
        topics = await existingTopics();
      }
      if (stopped) return;
      const missing = wanted.filter((topic) => !topics.includes(topic));
      if (missing.length > 0)
        options.logger.info(
          { missing },
          'consuming the existing topics; the others join when Debezium creates them',
        );
      handler = handle;
      consuming = topics;
      await run(topics, handle);
      watcher = watchForNewTopics().catch((error: unknown) => {
        options.logger.error({ err: error }, 'watching for new source topics failed');
      });
    },
    async setTopics(topics) {
      wanted = [...topics];
      // Before start() consumes, the wanted list is all there is to change.
      if (!handler) return;
      await restartWith(await existingTopics(), 'the source topics changed');
    },
    async groupHasCommitted() {
      const existing = await existingTopics();
      if (existing.length === 0) return false;
      const committed = await admin.fetchOffsets({ groupId: options.groupId, topics: existing });
      return committed.some((topic) => topic.partitions.some((partition) => partition.offset !== '-1'));
    },
    async assigned() {
      const all = Object.entries(assignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      return await Promise.all(all.map(({ topic, partition }) => range(topic, partition)));
    },
    range,
    async ranges() {
      const all = await Promise.all(
        (await existingTopics()).map(async (topic) =>
          (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({
            topic,
            partition,
            low,
            high,
          })),
        ),
      );
      return all.flat();
    },
    existingTopics,
    seek(topic, partition, offset) {
      consumer?.seek({ topic, partition, offset });
    },
    async pause() {
      paused = true;
      consumer?.pause(consuming.map((topic) => ({ topic })));
      await inFlight?.catch(() => undefined);
    },
    async stop() {
      stopped = true;
      await watcher;
      await restarting;
      await consumer?.disconnect();
      await committing;
      await admin.disconnect();
    },
  };
}
