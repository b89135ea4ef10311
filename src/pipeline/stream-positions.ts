import type { ChangeSource, Rewind, SourceBatch } from '../ingest/index.ts';
import type { Logger } from '../log/logger.ts';
import {
  epochStartedBy,
  partitionKey,
  type PositionStore,
  type StreamPosition,
  type StreamReader,
} from '../store/index.ts';
import { decidePositions, markerState, type ReaderStand } from './position-decision.ts';

export interface StreamPositionsDeps {
  readonly positions: PositionStore;
  /** The read models (and the guard) fed by a topic. */
  readonly readersOf: (topic: string) => readonly StreamReader[];
  /** Every reader (they change when a rebuild hands a new generation over). */
  readonly readers: () => readonly StreamReader[];
  /** Every source topic (a function: the topics in force, which a reload changes). */
  readonly topics: readonly string[] | (() => readonly string[]);
  readonly source: Pick<ChangeSource, 'assigned' | 'existingTopics' | 'range' | 'ranges' | 'seek'>;
  /** Drops rows remembered in memory: the replay must see what Redis has. */
  readonly forgetCached: () => void;
  /** Told of every partition read again (metrics). */
  readonly onReplay?: (topic: string, partition: number) => void;
  /** Told of every partition read again after a loss, with the offset it must reach again. */
  readonly onRecovery?: (topic: string, partition: number, until: bigint) => void;
  /**
   * Whether the consumer group ever committed an offset of a source topic. A Redis without the
   * loaded marker is then one that lost everything; otherwise it is new: a first start, whose
   * models are backfilled, not a loss. Without it, every empty Redis counts as a loss.
   */
  readonly groupHasCommitted?: () => Promise<boolean>;
  readonly logger: Logger;
}

/** Readers as the decision sees them, from the positions Redis returned (same order). */
const standsOf = (readers: readonly StreamReader[], positions: readonly StreamPosition[]): ReaderStand[] =>
  readers.map((reader, i) => {
    const position = positions[i];
    return {
      name: reader.name,
      next: position?.next === null || position?.next === undefined ? null : BigInt(position.next),
      catchingUp: position?.catchUpTo !== null && position?.catchUpTo !== undefined,
    };
  });

const named = (readers: readonly StreamReader[], names: readonly string[]) =>
  readers.filter((reader) => names.includes(reader.name));

/**
 * Notices when Redis has lost data, and replays it from Kafka.
 *
 * - Everything lost (flushed, restarted empty): the loaded marker is gone, or (several
 *   projectors) names an epoch another projector started after finding it gone. Every partition
 *   assigned to this projector is read again from its earliest retained offset. A Redis that was
 *   never filled (no marker, and a consumer group that never committed) is read the same way, as
 *   a first start: a backfill, not a loss.
 * - Some lost (restored from an older snapshot): Redis keeps each reader's next offset beside its
 *   data, so a batch that starts past it shows the gap; the partition is read again from there.
 *
 * Readers that are ahead skip what they already have (row positions make every change
 * idempotent). A replaying reader is marked "catch-up" until it reaches the partition's end as it
 * was when the loss was seen; the API refuses to serve it meanwhile rather than serve wrong numbers.
 */
export function createStreamPositions({
  positions,
  readersOf,
  readers,
  forgetCached,
  onReplay,
  onRecovery,
  groupHasCommitted,
  topics: topicsInForce,
  source,
  logger,
}: StreamPositionsDeps) {
  const sourceTopics = () => (typeof topicsInForce === 'function' ? topicsInForce() : topicsInForce);
  let recovering: Promise<number> | undefined;
  // Per partition this projector applied batches of, the next offset it recorded in Redis.
  const recorded = new Map<string, { topic: string; partition: number; next: bigint }>();
  // The loaded marker's epoch this projector last reloaded for, or saw when it started.
  let knownEpoch: string | null | undefined;

  /**
   * Why Redis holds no loaded marker: `loss` if this projector saw it hold the models, or its group
   * has committed offsets (Redis had them once); `start` if the group never committed (a first
   * start). A new epoch another projector of the group began says why itself.
   */
  async function whyEmpty(): Promise<'start' | 'loss'> {
    const current = await positions.epoch();
    if (current !== null && current !== knownEpoch) return epochStartedBy(current);
    if (knownEpoch !== undefined && knownEpoch !== null) return 'loss';
    return groupHasCommitted !== undefined && !(await groupHasCommitted()) ? 'start' : 'loss';
  }

  /**
   * Marks every reader as catching up to its partitions' ends (a backfill on a first start) and
   * reads every assigned partition from the start. A reader whose topics do not exist yet, or are
   * empty, has nothing to catch up: it is ready, and empty. Waits (returns 0) while the consumer
   * has not joined its group yet.
   */
  async function reloadEverything(): Promise<number> {
    const assigned = await source.assigned();
    const existing = new Set(await source.existingTopics());
    const topics = sourceTopics();
    if (assigned.length === 0 && topics.some((topic) => existing.has(topic))) return 0;
    const why = await whyEmpty();
    // Every partition, not only this projector's: until each one's owner has replayed it, the
    // models are not ready (other projectors of the group reload theirs when they see the epoch).
    const everyPartition = await source.ranges();
    for (const reader of readers()) {
      // An empty partition has nothing to replay (and no batch would ever clear its target).
      const mine = everyPartition.filter(
        (range) => readersOf(range.topic).some((r) => r.meta === reader.meta) && range.high !== range.low,
      );
      const targets = new Map(mine.map((r) => [partitionKey(r.topic, r.partition), r.high]));
      if (why === 'start') await positions.backfill(reader, 'start', targets);
      else await positions.catchUp(reader, targets);
    }
    forgetCached();
    for (const range of assigned) {
      source.seek(range.topic, range.partition, range.low);
      if (why === 'loss') {
        onReplay?.(range.topic, range.partition);
        onRecovery?.(range.topic, range.partition, BigInt(range.high));
      }
    }
    knownEpoch = await positions.markLoaded(why);
    const details = {
      partitions: assigned.map((r) => `${partitionKey(r.topic, r.partition)}@${r.low}..${r.high}`),
      missingTopics: topics.filter((topic) => !existing.has(topic)),
    };
    if (why === 'start') {
      logger.info(
        details,
        'a first start (Redis holds no read models and the consumer group never committed): every read model reads its topic from the start; each is served once it has read to the end',
      );
      return Math.max(1, assigned.length);
    }
    await positions.recordLoss({
      atMs: Date.now(),
      kind: 'everything',
      partition: null,
      readers: readers().map((reader) => reader.name),
    });
    logger.warn(
      details,
      'Redis holds no read models (flushed or restarted empty): reading every partition from the start; not ready until caught up',
    );
    return Math.max(1, assigned.length);
  }

  /**
   * Reloads this projector's partitions when the marker is gone (Redis lost everything), or when
   * it names a new epoch: another projector of the group found it gone first and reloaded only
   * its own partitions. On the first look, an existing marker is simply taken as known.
   * One recovery at a time: a batch and the periodic check may both see the loss.
   */
  function checkForLoss(): Promise<number> {
    recovering ??= positions
      .epoch()
      .then((epoch) => {
        const decision = decidePositions({
          at: 'periodic',
          marker: markerState(epoch, knownEpoch),
          low: 0n,
          readers: [],
          expected: () => null,
        });
        if (decision.kind === 'reload-everything') return reloadEverything();
        knownEpoch = epoch;
        return 0;
      })
      .finally(() => (recovering = undefined));
    return recovering;
  }

  /**
   * Readers that lost data Redis had on one partition: each is marked catching up to `target`
   * (not ready until it reads that far again), the rows cached in memory are dropped, and the
   * loss is recorded and logged. The caller reads the partition again from `from`.
   */
  async function replayLost(
    topic: string,
    partition: number,
    lost: readonly StreamReader[],
    target: string,
    from: bigint,
    message: string,
    details: Record<string, string | undefined> = {},
  ): Promise<void> {
    const key = partitionKey(topic, partition);
    await Promise.all(lost.map((reader) => positions.catchUp(reader, new Map([[key, target]]))));
    forgetCached();
    onReplay?.(topic, partition);
    onRecovery?.(topic, partition, BigInt(target));
    const readers = lost.map((reader) => reader.name);
    await positions.recordLoss({ atMs: Date.now(), kind: 'partition', partition: key, readers });
    logger.warn({ topic, partition, from: from.toString(), readers, ...details }, message);
  }

  /**
   * A partition with no new batch would never show a loss in `check`: Redis Cluster's failover
   * (a replica that had not received the newest writes promoted) can take a slot's newest writes
   * with it. Each assigned partition's readers are compared with what this projector recorded;
   * one that went back (and is not already catching up) is read again from where it stands.
   * Returns how many partitions were rewound.
   */
  async function checkRecorded(): Promise<number> {
    let rewound = 0;
    for (const range of await source.assigned()) {
      const key = partitionKey(range.topic, range.partition);
      const mine = recorded.get(key);
      const fed = readersOf(range.topic);
      if (!mine || fed.length === 0) continue;
      const stood = await positions.read(fed, range.topic, range.partition);
      if (!stood.loaded) continue; // everything lost: checkForLoss reloads
      // Readers already catching up are being replayed: only the others can have gone back.
      const decision = decidePositions({
        at: 'periodic',
        marker: 'known',
        low: BigInt(range.low),
        readers: standsOf(fed, stood.positions),
        expected: () => mine.next,
      });
      if (decision.kind !== 'rewind') continue;
      await replayLost(
        range.topic,
        range.partition,
        named(fed, decision.lost),
        mine.next.toString(),
        decision.from,
        'Redis lost writes this projector had recorded (a failover?): reading the partition again; not ready until caught up',
        { recorded: mine.next.toString() },
      );
      source.seek(range.topic, range.partition, decision.from.toString());
      rewound += 1;
    }
    return rewound;
  }

  return {
    checkForLoss,
    checkRecorded,

    /** Before a batch: a Rewind if Redis lost data this batch would build on. */
    async check(batch: SourceBatch): Promise<Rewind | null> {
      const first = BigInt(batch.records[0]?.offset ?? '0');
      const fed = readersOf(batch.topic);
      if (fed.length === 0) return null;
      const stood = await positions.read(fed, batch.topic, batch.partition);
      const readers = standsOf(fed, stood.positions);
      // The partition's start matters only to a reader that recorded nothing there.
      const low = readers.some((reader) => reader.next === null)
        ? BigInt((await source.range(batch.topic, batch.partition)).low)
        : 0n;
      const decision = decidePositions({
        at: 'before-batch',
        marker: stood.loaded ? 'known' : 'gone',
        low,
        readers,
        expected: () => first,
      });
      if (decision.kind === 'proceed') return null;
      if (decision.kind === 'reload-everything') {
        await checkForLoss();
        return { rewindTo: (await source.range(batch.topic, batch.partition)).low };
      }
      // A reader with a target is already replaying (a rebuilt generation handed over, or an
      // earlier loss): it is expected to stand behind, and read again from there; not a loss.
      if (decision.lost.length === 0) {
        forgetCached();
        return { rewindTo: decision.from.toString() };
      }
      await replayLost(
        batch.topic,
        batch.partition,
        named(fed, decision.lost),
        batch.highWatermark,
        decision.from,
        'Redis lost data (a failover, or an older snapshot): reading the partition again from where the model stands; not ready until caught up',
        { offset: batch.records[0]?.offset },
      );
      return { rewindTo: decision.from.toString() };
    },

    /**
     * After a batch: its readers have seen up to its end (clears reached catch-up targets). A
     * reader that wrote in the batch recorded its end with the write; one that did not must stand
     * where the batch began. A reader short of that lost writes while the batch ran (a failover
     * promoted a replica that lacked them): recording the offset would hide the loss, so the
     * partition is read again from where the reader stands (a Rewind).
     */
    async advance(batch: SourceBatch, recordedBy: ReadonlySet<string>): Promise<Rewind | null> {
      const first = batch.records[0]?.offset;
      const last = batch.records.at(-1)?.offset;
      if (first === undefined || last === undefined) return null;
      const next = (BigInt(last) + 1n).toString();
      const key = partitionKey(batch.topic, batch.partition);
      const required = (name: string) => (recordedBy.has(name) ? next : first);
      // positions.lua compares each reader with its required offset as it records (atomically) and
      // answers with those short of it; the decision says what that means.
      const behind = await positions.advance(
        readersOf(batch.topic),
        batch.topic,
        batch.partition,
        next,
        (reader) => required(reader.name),
      );
      const decision = decidePositions({
        at: 'after-batch',
        marker: 'known',
        low: 0n,
        readers: behind.map(({ reader, stood }) => ({
          name: reader.name,
          next: BigInt(stood),
          catchingUp: false,
        })),
        expected: (reader) => BigInt(required(reader.name)),
      });
      if (decision.kind !== 'rewind') {
        recorded.set(key, { topic: batch.topic, partition: batch.partition, next: BigInt(next) });
        return null;
      }
      await replayLost(
        batch.topic,
        batch.partition,
        named(readersOf(batch.topic), decision.lost),
        next,
        decision.from,
        'Redis lost writes while a batch ran (a failover?): reading the partition again; not ready until caught up',
        { offset: first },
      );
      return { rewindTo: decision.from.toString() };
    },
  };
}

export type StreamPositions = ReturnType<typeof createStreamPositions>;
