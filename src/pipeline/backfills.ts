import type { ChangeSource, PartitionRange } from '../ingest/index.ts';
import type { Logger } from '../log/logger.ts';
import { partitionKey, type PositionStore, type StreamReader } from '../store/index.ts';

export interface BackfillsDeps {
  readonly positions: PositionStore;
  /** The read models written now (not the guard): a reload or a rebuild changes them. */
  readonly readers: () => readonly StreamReader[];
  /** The read models fed by a topic. */
  readonly readersOf: (topic: string) => readonly StreamReader[];
  readonly source: Pick<ChangeSource, 'assigned' | 'ranges' | 'seek'>;
  readonly logger: Logger;
  /** How often progress is logged while a model backfills (default 5 s). */
  readonly progressEveryMs?: number;
}

const min = (a: bigint | null, b: bigint) => (a === null || b < a ? b : a);

/** "topic/partition reached/end, …" and the events left, for a log line. */
function progressOf(catchUp: ReadonlyMap<string, string>, reached: ReadonlyMap<string, string>) {
  let left = 0n;
  const partitions = [...catchUp].map(([partition, target]) => {
    const at = reached.get(partition) ?? '0';
    if (BigInt(target) > BigInt(at)) left += BigInt(target) - BigInt(at);
    return `${partition} ${at}/${target}`;
  });
  return { partitions, eventsLeft: left.toString() };
}

/**
 * Read models a running projector takes on that Redis has never held (version 0: added to the
 * definitions, by a reload or before a restart), while Redis holds the others (the loaded marker
 * is there; without it the loss check backfills every model, see stream-positions.ts).
 *
 * Each is backfilled from Kafka as the projector replays a loss, but said as what it is: it is
 * marked catching up to the ends of its topic's partitions as they are now, a backfill (not a
 * loss: nothing is recorded in the loss log), and its partitions are read again from where it
 * stands (the other models of the topic skip what they have: row positions make every change
 * idempotent). With no record to read (its topic is empty or does not exist yet) it is ready at
 * once, and empty: the version the marking gives it tells the API so. A model no projector takes
 * on keeps version 0 and stays not ready.
 *
 * A model a reload removed and a later one brings back (in the same process) missed what came
 * meanwhile: it is backfilled from where it stands, the same way.
 *
 * Another projector of the group may own some of the partitions: it finds the model marked (a
 * version, catch-up targets, "backfill") and reads its own partitions again, the first time it
 * sees it and after each new assignment (a seek is lost when the consumer rejoins).
 */
export function createBackfills({
  positions,
  readers,
  readersOf,
  source,
  logger,
  progressEveryMs = 5000,
}: BackfillsDeps) {
  // Readers known to have a version in Redis (by meta key): not looked at again while written.
  const known = new Set<string>();
  // Readers this process wrote that a reload removed: one that comes back missed what came meanwhile.
  const left = new Set<string>();
  // Readers still backfilling that this projector reads partitions for (by meta key).
  const backfilling = new Map<string, StreamReader>();
  let lastAssignment = '';
  let lastReportMs = 0;

  /** Reads each assigned partition of the readers' topics again from where the earliest of them stands. */
  async function readAgain(
    which: readonly StreamReader[],
    assigned: readonly PartitionRange[],
  ): Promise<void> {
    for (const range of assigned) {
      const metas = new Set(readersOf(range.topic).map((reader) => reader.meta));
      const fed = which.filter((reader) => metas.has(reader.meta));
      if (fed.length === 0) continue;
      const stood = await positions.read(fed, range.topic, range.partition);
      let from: bigint | null = null;
      for (const position of stood.positions) from = min(from, BigInt(position.next ?? range.low));
      if (from !== null && from < BigInt(range.high))
        source.seek(range.topic, range.partition, from.toString());
    }
  }

  /** Marks the readers Redis has never held as backfilling; returns those with records to read. */
  async function takeOn(): Promise<StreamReader[]> {
    const current = readers();
    const metas = new Set(current.map((reader) => reader.meta));
    for (const meta of known)
      if (!metas.has(meta)) {
        known.delete(meta);
        left.add(meta);
        backfilling.delete(meta);
      }
    const fresh = current.filter((reader) => !known.has(reader.meta));
    if (fresh.length === 0) return [];
    // No marker: Redis is new or lost everything, and the loss check marks every reader.
    if ((await positions.epoch()) === null) return [];
    const states = await positions.readiness(fresh);
    let everyPartition: PartitionRange[] | undefined;
    const taken: StreamReader[] = [];
    for (const [i, reader] of fresh.entries()) {
      const state = states[i];
      if (!state) continue;
      const back = left.delete(reader.meta);
      if (state.version > 0n && !back) {
        known.add(reader.meta);
        if (state.backfilling !== null) backfilling.set(reader.meta, reader);
        continue;
      }
      everyPartition ??= await source.ranges();
      // Every partition of its topic, not only this projector's (see above); an empty one has
      // nothing to read (and no batch would ever clear its target).
      const mine = everyPartition.filter(
        (range) =>
          range.high !== range.low && readersOf(range.topic).some((other) => other.meta === reader.meta),
      );
      const targets = new Map(mine.map((range) => [partitionKey(range.topic, range.partition), range.high]));
      // A model back after a removal is marked only where it stands behind (the script skips the rest).
      await positions.backfill(reader, 'added', targets);
      known.add(reader.meta);
      if (back) {
        backfilling.set(reader.meta, reader);
        taken.push(reader);
        logger.info(
          { model: reader.name },
          `${reader.name} is back in the definitions: reading its topic again from where it stopped`,
        );
        continue;
      }
      if (targets.size === 0) {
        logger.info(
          { model: reader.name },
          `a new read model (${reader.name}): its topic has no record yet, so it is ready, and empty`,
        );
        continue;
      }
      backfilling.set(reader.meta, reader);
      taken.push(reader);
      logger.info(
        { model: reader.name, until: [...targets].map(([partition, end]) => `${partition}@${end}`) },
        `a new read model (${reader.name}): backfilling it from Kafka, from the start of its topic; served once it has read to these ends`,
      );
    }
    return taken;
  }

  /** Logs each backfill's progress, and its end. */
  async function report(): Promise<void> {
    const watched = [...backfilling.values()];
    const states = await positions.readiness(watched);
    for (const [i, reader] of watched.entries()) {
      const state = states[i];
      if (!state) continue;
      if (state.catchUp.size === 0) {
        backfilling.delete(reader.meta);
        logger.info(
          { model: reader.name },
          `backfilled ${reader.name}: it has read its topic to the end and is served`,
        );
        continue;
      }
      logger.info(
        { model: reader.name, ...progressOf(state.catchUp, state.reached) },
        `backfilling ${reader.name} from Kafka`,
      );
    }
  }

  return {
    /**
     * Before a batch: readers new to Redis are marked first, so that the position check reads
     * their partitions again instead of taking their missing offsets for a loss.
     */
    async prepare(): Promise<void> {
      const taken = await takeOn();
      if (taken.length > 0) await readAgain(taken, await source.assigned());
    },

    /**
     * Every second: takes new readers on, reads the backfilling readers' partitions again after
     * a new assignment, and logs progress every `progressEveryMs`.
     */
    async tick(): Promise<void> {
      const taken = await takeOn();
      if (backfilling.size === 0) return;
      const assigned = await source.assigned();
      const assignment = assigned
        .map((range) => partitionKey(range.topic, range.partition))
        .sort()
        .join(',');
      if (assignment !== lastAssignment) {
        lastAssignment = assignment;
        await readAgain([...backfilling.values()], assigned);
      } else if (taken.length > 0) await readAgain(taken, assigned);
      if (Date.now() - lastReportMs >= progressEveryMs) {
        lastReportMs = Date.now();
        await report();
      }
    },

    /** Readers this projector watches backfill (names), for tests and logs. */
    backfilling(): string[] {
      return [...backfilling.values()].map((reader) => reader.name);
    },
  };
}

export type Backfills = ReturnType<typeof createBackfills>;
