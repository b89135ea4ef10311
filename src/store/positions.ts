import { stopOf } from './read-snapshot.ts';
import type { ModelStop } from './redis-store.ts';
import { randomUUID } from 'node:crypto';
import { guardKeys, heldChannel, loadedMarkerKey, lossLogKey, modelKeys, type ModelRef } from './keys.ts';
import { redisUnavailable } from './lua-script.ts';
import type { RedisClient } from './connection.ts';
import { runPositions, type PositionsRequest } from './scripts/positions-script.ts';

/** "topic/partition", as offsets and catch-up targets are keyed. */
export const partitionKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** Whatever keeps a place in the change stream: a read model, or the mass-delete guard. */
export interface StreamReader {
  readonly name: string;
  readonly meta: string;
  readonly offsets: string;
  /** Where a new version of it is announced ('' for none). */
  readonly channel: string;
}

/** A model generation's name as a reader: "model", or "model#2" for generation 2. */
export const readerName = (model: string, generation = 0): string =>
  generation === 0 ? model : `${model}#${generation}`;

/** A generation being rebuilt (not the one readers use) announces nothing: pass `silent`. */
export const modelReader = (
  keyPrefix: string,
  model: ModelRef,
  generation = 0,
  silent = false,
): StreamReader => {
  const keys = modelKeys(keyPrefix, model, generation);
  return {
    name: readerName(model.name, generation),
    meta: keys.meta,
    offsets: keys.offsets,
    channel: silent ? '' : keys.channel,
  };
};

export const guardReader = (keyPrefix: string): StreamReader => ({
  name: '(guard)',
  meta: guardKeys(keyPrefix).meta,
  offsets: guardKeys(keyPrefix).offsets,
  channel: heldChannel(keyPrefix),
});

export interface ReaderReadiness {
  readonly name: string;
  readonly version: bigint;
  /** The newest applied change: its commit time (epoch ms), LSN and transaction, when known. */
  readonly source: {
    readonly commitTimeMs: string | null;
    readonly lsn: string | null;
    readonly txId: string | null;
  };
  /** When Redis applied the newest batch (epoch ms, Redis's clock). */
  readonly appliedAtMs: string | null;
  /** "topic/partition" → the offset it must reach again (empty when it is not replaying). */
  readonly catchUp: ReadonlyMap<string, string>;
  /** Why it stopped taking changes (its source's schema changed), or null. */
  readonly stopped: ModelStop | null;
  /**
   * Set while it reads its topic for the first time (its catch-up targets are the topic's ends
   * then, not a loss's): `start`, Redis was new; `added`, a model Redis had never held.
   */
  readonly backfilling: BackfillReason | null;
  /** "topic/partition" → the next offset it has read up to, for each partition it is catching up on. */
  readonly reached: ReadonlyMap<string, string>;
}

/** Why a reader reads its topic from the start for the first time (see PositionStore.backfill). */
export type BackfillReason = 'start' | 'added';

const isBackfillReason = (text: string | undefined): text is BackfillReason =>
  text === 'start' || text === 'added';

/** Where a reader stands on one partition. */
export interface StreamPosition {
  /** The next offset after the last batch recorded, or null if none ever was (or Redis lost it). */
  readonly next: string | null;
  /** The offset it must reach again before it is ready (it is replaying lost data), or null. */
  readonly catchUpTo: string | null;
}

/** A loss of data in Redis that a projector noticed, and what it replayed. */
export interface NoticedLoss {
  readonly atMs: number;
  /** `everything`: the loaded marker was gone; `partition`: some readers went back on one partition. */
  readonly kind: 'everything' | 'partition';
  /** "topic/partition" (for `partition`). */
  readonly partition: string | null;
  readonly readers: readonly string[];
}

/**
 * Records that a reader has read a partition up to `next` (exclusive), as `PositionStore.advance`
 * does but leaving catch-up targets to it. Returns null, or the offset the reader stands at when
 * it is short of `required` (Redis lost writes): then nothing is recorded.
 */
export async function recordRead(
  redis: RedisClient,
  reader: Pick<StreamReader, 'meta' | 'offsets' | 'name'>,
  partition: string,
  next: string,
  required: string,
): Promise<string | null> {
  try {
    const reply = await runPositions(
      redis,
      { ...reader, channel: '' },
      { op: 'read', partition, next, required },
    );
    return reply.kind === 'behind' ? reply.stood : null;
  } catch (error) {
    throw redisUnavailable('record of a stream position', error);
  }
}

/**
 * Why an epoch of the loaded marker began: `start` when the projector that set it found Redis new
 * (its consumer group had never committed), `loss` when Redis had lost everything. Markers set
 * before the reason was kept count as losses.
 */
export const epochStartedBy = (epoch: string): 'start' | 'loss' =>
  epoch.endsWith(' start') ? 'start' : 'loss';

/** How many noticed losses are kept. */
const LOSSES_KEPT = 20;

export interface PositionStore {
  /** Keeps a noticed loss for `readout status` (the newest LOSSES_KEPT). */
  recordLoss(loss: NoticedLoss): Promise<void>;
  /** The noticed losses, newest first. */
  losses(): Promise<NoticedLoss[]>;
  /**
   * Each reader's position on one partition, and whether Redis still holds the loaded marker
   * (gone: Redis lost everything since it was set), in one round trip.
   */
  read(
    readers: readonly StreamReader[],
    topic: string,
    partition: number,
  ): Promise<{ positions: StreamPosition[]; loaded: boolean }>;
  /**
   * The loaded marker's value: an id of the "epoch" since Redis last lost everything, or null if
   * it is gone. A projector that sees a new epoch knows another projector found Redis empty and
   * reloaded its own partitions: it must reload its own too.
   */
  epoch(): Promise<string | null>;
  /** Each reader's version (0: never written) and catch-up targets, read now (no cache). */
  readiness(readers: readonly StreamReader[]): Promise<ReaderReadiness[]>;
  /**
   * Sets the loaded marker to a new epoch unless another projector already did (after this one
   * told its readers to catch up); returns the epoch now current. `why` is kept in the epoch (see
   * epochStartedBy): `start`, Redis was new; `loss` (the default), Redis lost everything.
   */
  markLoaded(why?: 'start' | 'loss'): Promise<string>;
  /**
   * Records that the readers have seen everything before `next` (clears reached catch-up targets).
   * With `required` (per reader, the offset it must already stand at), a reader short of it is
   * not advanced but returned, with the offset it stands at.
   */
  advance(
    readers: readonly StreamReader[],
    topic: string,
    partition: number,
    next: string,
    required?: (reader: StreamReader) => string,
  ): Promise<Array<{ reader: StreamReader; stood: string }>>;
  /** The reader is not ready until it reaches each target again; starts a new version epoch. */
  catchUp(reader: StreamReader, targets: ReadonlyMap<string, string>): Promise<void>;
  /**
   * A reader that reads its topic for the first time: as `catchUp` (to the partitions' ends), but
   * shown as a backfill. With no target (an empty topic, or none yet) it is ready, and empty.
   */
  backfill(reader: StreamReader, why: BackfillReason, targets: ReadonlyMap<string, string>): Promise<void>;
}

/**
 * Positions in the change stream, kept in Redis beside the data they describe: if Redis loses data
 * (flushed, restarted empty, restored from an older snapshot), the positions go back with it, and
 * the projector sees the gap between what Redis has and what Kafka delivers next.
 */
export function createPositionStore(redis: RedisClient, keyPrefix: string): PositionStore {
  const marker = loadedMarkerKey(keyPrefix);
  const call = (reader: StreamReader, request: PositionsRequest) => runPositions(redis, reader, request);
  const lossLog = lossLogKey(keyPrefix);
  return {
    async recordLoss(loss) {
      try {
        await redis
          .multi()
          .lpush(lossLog, JSON.stringify(loss))
          .ltrim(lossLog, 0, LOSSES_KEPT - 1)
          .exec();
      } catch (error) {
        throw redisUnavailable('record of a noticed loss', error);
      }
    },

    async losses() {
      try {
        return (await redis.lrange(lossLog, 0, -1)).map((text) => JSON.parse(text) as NoticedLoss);
      } catch (error) {
        throw redisUnavailable('read of noticed losses', error);
      }
    },

    async read(readers, topic, partition) {
      const field = partitionKey(topic, partition);
      try {
        // One command per key (each reader's keys are in its own cluster slot); ioredis writes
        // them back to back, so this is still one round trip on a single Redis.
        const [loaded, positions] = await Promise.all([
          redis.exists(marker),
          Promise.all(
            readers.map(async (reader) => {
              const [next, catchUpTo] = await Promise.all([
                redis.hget(reader.offsets, field),
                redis.hget(reader.meta, `catch-up:${field}`),
              ]);
              return { next, catchUpTo };
            }),
          ),
        ]);
        return { positions, loaded: loaded === 1 };
      } catch (error) {
        throw redisUnavailable('read of stream positions', error);
      }
    },

    async epoch() {
      try {
        return await redis.get(marker);
      } catch (error) {
        throw redisUnavailable('read of the loaded marker', error);
      }
    },

    async readiness(readers) {
      try {
        const metas = await Promise.all(readers.map((reader) => redis.hgetall(reader.meta)));
        const catchUps = metas.map((meta) =>
          Object.entries(meta).flatMap(([field, value]) =>
            field.startsWith('catch-up:') ? [[field.slice('catch-up:'.length), value] as const] : [],
          ),
        );
        // Where a reader catching up stands (its progress); the others need not be asked.
        const reached = await Promise.all(
          readers.map(async (reader, i) => {
            const partitions = (catchUps[i] ?? []).map(([partition]) => partition);
            if (partitions.length === 0) return new Map<string, string>();
            const offsets = await redis.hmget(reader.offsets, ...partitions);
            return new Map(partitions.map((partition, j) => [partition, offsets[j] ?? '0']));
          }),
        );
        return readers.map((reader, i) => {
          const meta = metas[i] ?? {};
          const catchUp = catchUps[i] ?? [];
          return {
            name: reader.name,
            version: BigInt(meta.version ?? '0'),
            source: {
              commitTimeMs: meta.commitTimeMs ?? null,
              lsn: meta.lsn ?? null,
              txId: meta.txId ?? null,
            },
            appliedAtMs: meta.appliedAtMs ?? null,
            catchUp: new Map(catchUp),
            stopped: stopOf(meta.stopped),
            backfilling: catchUp.length > 0 && isBackfillReason(meta.backfill) ? meta.backfill : null,
            reached: reached[i] ?? new Map<string, string>(),
          };
        });
      } catch (error) {
        throw redisUnavailable('read of read-model readiness', error);
      }
    },

    async markLoaded(why = 'loss') {
      try {
        await redis.set(marker, `${new Date().toISOString()} ${randomUUID()} ${why}`, 'NX');
        return (await redis.get(marker)) ?? '';
      } catch (error) {
        throw redisUnavailable('write of the loaded marker', error);
      }
    },

    async advance(readers, topic, partition, next, required) {
      try {
        const replies = await Promise.all(
          readers.map((reader) =>
            call(reader, {
              op: 'advance',
              partition: partitionKey(topic, partition),
              next,
              required: required?.(reader) ?? null,
            }),
          ),
        );
        return readers.flatMap((reader, i) => {
          const reply = replies[i];
          return reply?.kind === 'behind' ? [{ reader, stood: reply.stood }] : [];
        });
      } catch (error) {
        throw redisUnavailable('record of stream positions', error);
      }
    },

    async catchUp(reader, targets) {
      try {
        await call(reader, { op: 'catch-up', targets });
      } catch (error) {
        throw redisUnavailable('record of catch-up targets', error);
      }
    },

    async backfill(reader, why, targets) {
      try {
        await call(reader, { op: 'backfill', why, targets });
      } catch (error) {
        throw redisUnavailable('record of backfill targets', error);
      }
    },
  };
}
