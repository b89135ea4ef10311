import {
  type CompiledModel,
  type LaneState,
  type FoldResult,
  type ModelState,
  type RowPosition,
  type StoredRow,
} from '../projection/index.ts';
import {
  connectRedis,
  dataNodes,
  scanKeys,
  subscriberConnection,
  type RedisClient,
  type RedisConnectionOptions,
} from './connection.ts';
import { redisUnavailable } from './lua-script.ts';
import {
  runApplyLane,
  type ApplyLaneOutcome,
  type ApplyLaneRequest,
  type BatchOffset,
  type ModelStop,
} from './scripts/apply-lane-script.ts';
import { deadLetterKey, legacyModelTag, modelKeys, type ModelRef } from './keys.ts';
import { createLaneDirectory, laneMemberKeys, type Lane } from './lanes.ts';
import { runReadModel } from './scripts/read-model-script.ts';
import type { ModelSnapshot } from './model-snapshot.ts';
import { createGenerationStore, type GenerationStore } from './generations.ts';
import {
  createPositionStore,
  partitionKey,
  readerName,
  recordRead,
  type PositionStore,
} from './positions.ts';
import { snapshotFromRead } from './read-snapshot.ts';
import { readTopology, type RedisTopology } from './topology.ts';
import { decodeStoredRow, storedPosition } from './stored-row.ts';

function mergeConcerns(a: readonly LetterConcern[], b: readonly LetterConcern[]): LetterConcern[] {
  const byName = new Map([...a, ...b].map((c) => [`${c.model}#${c.generation}`, c]));
  return [...byName.values()];
}

/** The id of a dead letter: its position, "topic/partition/offset". */
export function deadLetterId(letter: { topic: string; partition: number; offset: string }): string {
  return `${letter.topic}/${letter.partition}/${letter.offset}`;
}

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly code: string;
  readonly reason: string;
  /** The record's raw bytes, as UTF-8 text (JSON from the JsonConverter), or null. */
  readonly key: string | null;
  readonly value: string | null;
  /**
   * The read models (each generation written) that miss this record: every model of its topic
   * unless the record reached some of them (a refusal by one model's keys in Redis).
   */
  readonly concerns?: readonly LetterConcern[];
}

/** A model generation a dead letter concerns. */
export interface LetterConcern {
  readonly model: string;
  /** The model's table (where its keys are); absent in letters kept before tables named keys. */
  readonly table?: string;
  readonly generation: number;
}

/** The concern's model, as its keys know it (null for a letter older than table-named keys). */
const concernedModel = (concern: LetterConcern): ModelRef | null =>
  concern.table === undefined ? null : { name: concern.model, table: concern.table };

export interface BatchWrite {
  readonly fold: FoldResult;
  /**
   * The applied batch's Kafka partition and the next offset to read; null for changes applied
   * after their batch (deletes released by their transaction's END or by an operator): the model
   * has not necessarily read the records before them, so their offset is not recorded.
   */
  readonly offset: BatchOffset | null;
  /**
   * Changes applied after their batch: per partition ("topic/partition"), the offset of the last
   * record among them. The model must have read past each (see readOffsets), or Redis writes
   * nothing and answers `unread`: a change must not overtake the changes before it.
   */
  readonly readPast?: ReadonlyMap<string, string>;
}

/** A time range of buckets to read, epoch ms, inclusive. */
export interface BucketRange {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface ReadModelStore {
  readModelState(model: CompiledModel, rowKeys: readonly string[]): Promise<ModelState>;
  /**
   * Deletes what these models kept under the key layout before one pass per table (a tag per
   * model, `{prefix:model}`); returns how many keys went. Their data is then read again from Kafka
   * under the table layout, as for a model Redis never held.
   */
  dropLegacyLayout(models: readonly CompiledModel[]): Promise<number>;
  /** The lanes that write these model instances, by table (see lanes.ts). */
  lanesOf(targets: readonly CompiledModel[]): Promise<Lane[]>;
  /** These rows of a lane as stored, and each member's newest commit time, in one round trip. */
  readLaneState(lane: Lane, rowKeys: readonly string[]): Promise<LaneState>;
  applyBatch(model: CompiledModel, write: BatchWrite): Promise<ApplyOutcome>;
  /**
   * Applies a lane's batch (models of one table sharing one memory per row, see lanes.ts) with
   * one script: all or nothing, for every member.
   */
  applyLane(request: ApplyLaneRequest): Promise<ApplyLaneOutcome>;
  /**
   * Where a model generation stands in each partition ("topic/partition"): the next offset it will
   * read, or null if it has read none there (or Redis lost it).
   */
  readOffsets(model: CompiledModel, partitions: readonly string[]): Promise<Map<string, string | null>>;
  /**
   * Records that a model generation has read a batch it wrote nothing of (see positions.lua
   * 'read'). Returns null, or the offset it stands at if that is before the batch (Redis lost
   * writes): then nothing is recorded.
   */
  recordRead(model: CompiledModel, offset: BatchOffset): Promise<string | null>;
  /** Every stored row's position, a page at a time (HSCAN: rows written meanwhile may appear or not). */
  scanRowPositions(lane: Lane, pageSize?: number): AsyncIterable<Array<readonly [string, RowPosition]>>;
  /** Have these rows' deletes been applied to the model? (Each is stored as a bare position.) */
  rowsDeleted(model: CompiledModel, rowKeys: readonly string[]): Promise<boolean>;
  /**
   * Stops a model generation (its meta says why; the apply script refuses it every change) unless
   * it was stopped already; returns the stop in force.
   */
  stopModel(model: CompiledModel, stop: ModelStop): Promise<ModelStop>;
  /**
   * The Connect types a model generation's columns had when it first read them (null: none
   * recorded yet), to notice a source column whose type changed.
   */
  columnTypes(model: CompiledModel): Promise<Map<string, string> | null>;
  /** Records a model generation's column types unless recorded already; returns those in force. */
  recordColumnTypes(model: CompiledModel, types: ReadonlyMap<string, string>): Promise<Map<string, string>>;
  /** Counts changes skipped as duplicates in a batch that applied nothing. */
  countDuplicates(model: CompiledModel, duplicates: number): Promise<void>;
  /** Changes applied and skipped as duplicates, per model, since the model was built. */
  readCounters(model: CompiledModel): Promise<{ applied: bigint; duplicates: bigint }>;
  readSnapshot(model: CompiledModel, range?: BucketRange): Promise<ModelSnapshot>;
  /** The version readers would see now (of the current generation), without reading the model. */
  readVersion(model: CompiledModel): Promise<bigint>;
  /**
   * Keeps dead letters (by position: recording one again replaces it, its concerns merged) and
   * counts each among the missed records of the models it concerns.
   */
  recordDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  /**
   * Forgets that dead letters concern one model generation (one being dropped): a dead letter
   * that concerns nothing else goes; returns how many went.
   */
  releaseDeadLetters(model: CompiledModel): Promise<number>;
  /** The dead letters (ids) one model generation misses. */
  missedRecords(model: CompiledModel): Promise<string[]>;
  /** How many records each model generation readers use misses (dead letters that concern it). */
  countMissed(models: readonly CompiledModel[]): Promise<Map<string, number>>;
  countDeadLetters(): Promise<number>;
  /** Every dead letter, oldest position first within a partition. */
  listDeadLetters(): Promise<DeadLetter[]>;
  /**
   * Removes dead letters by id ("topic/partition/offset"), and from the missed records of the
   * models they concerned; returns how many were there.
   */
  removeDeadLetters(ids: readonly string[]): Promise<number>;
  /** Redis's own figure for the memory it uses (INFO memory used_memory; a cluster's primaries summed), in bytes. */
  memoryUsed(): Promise<number>;
  /** The single Redis, or the cluster's nodes as one of them sees them now. */
  topology(): Promise<RedisTopology>;
  /** Drops whatever this process remembers of Redis's rows (after Redis lost data). */
  forgetCached(): void;
  /** Drops what this process remembers of these rows of a lane; says whether it remembered any. */
  forgetLaneRows(lane: Lane, rowKeys: readonly string[]): boolean;
  /** Read models' (and the guard's) places in the change stream: how a Redis loss is noticed. */
  readonly positions: PositionStore;
  /** Which generation of each model readers use, and rebuilds in progress. */
  readonly generations: GenerationStore;
  /** Another connection, for SSUBSCRIBE (the live stage). */
  subscriberConnection(): RedisClient;
  quit(): Promise<void>;
}

/** One model's state, from its lane's (a lane of one). */
export function modelStateOf(model: CompiledModel, state: LaneState): ModelState {
  return { rows: state.rows, maxCommitTimeMs: state.maxCommitTimeMs.get(model.name) ?? null };
}

/** Applies one model's fold as a lane of one, its outcome as the model's. */
export async function applyModelBatch(
  store: Pick<ReadModelStore, 'lanesOf' | 'applyLane'>,
  model: CompiledModel,
  { fold, offset, readPast }: BatchWrite,
): Promise<ApplyOutcome> {
  const [lane] = await store.lanesOf([model]);
  if (!lane) throw new Error(`no lane for ${model.name}`);
  const member = {
    deltas: fold.deltas,
    maxCommitTimeMs: fold.maxCommitTimeMs,
    retainFromMs: fold.retainFromMs,
  };
  return asModelOutcome(
    await store.applyLane({
      rows: lane.rows,
      members: [{ model, keys: laneMemberKeys(lane, model), fold: member }],
      fold,
      offset,
      ...(readPast ? { readPast } : {}),
    }),
  );
}

/** The read-model store on Redis (ioredis stays inside this folder and src/live). */
export function createRedisStore(options: RedisConnectionOptions & { keyPrefix: string }): ReadModelStore {
  const redis = connectRedis(options);
  const lanes = createLaneDirectory(redis, options.keyPrefix);
  const { keyPrefix } = options;

  return {
    positions: createPositionStore(redis, keyPrefix),
    generations: createGenerationStore(redis, keyPrefix),
    forgetCached() {
      // Rows are cached by row-cache.ts; the lanes each generation writes with are known here.
      lanes.forget();
    },
    forgetLaneRows: () => false,

    async topology() {
      try {
        return await readTopology(redis);
      } catch (error) {
        throw redisUnavailable('read of the cluster layout', error);
      }
    },

    async memoryUsed() {
      try {
        const infos = await Promise.all((await dataNodes(redis)).map((node) => node.info('memory')));
        return infos.reduce((sum, info) => sum + Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN), 0);
      } catch (error) {
        throw redisUnavailable('INFO memory', error);
      }
    },

    lanesOf: (targets) => lanes.lanesOf(targets),

    async dropLegacyLayout(models) {
      let dropped = 0;
      try {
        for (const model of models) {
          const tag = legacyModelTag(keyPrefix, model.name);
          // A model the former layout held has its meta (generation 0) or its generations hash
          // (after a rebuild): only then is the keyspace scanned for the rest.
          if ((await redis.exists(`${tag}:meta`, `${tag}:generation`)) === 0) continue;
          for await (const found of scanKeys(redis, `${tag}*`))
            if (found.length > 0) dropped += await redis.unlink(...found);
        }
      } catch (error) {
        throw redisUnavailable('drop of keys in the former layout', error);
      }
      return dropped;
    },

    async readModelState(model, rowKeys) {
      const [lane] = await lanes.lanesOf([model]);
      if (!lane) throw new Error(`no lane for ${model.name}`);
      return modelStateOf(model, await this.readLaneState(lane, rowKeys));
    },

    async readLaneState(lane, rowKeys) {
      try {
        const pipeline = redis.multi();
        for (const keys of lane.keys) pipeline.hget(keys.meta, 'maxCommitTimeMs');
        if (rowKeys.length > 0) pipeline.hmget(lane.rows, ...rowKeys);
        const replies = (await pipeline.exec()) ?? [];
        const failed = replies.find(([error]) => error)?.[0];
        if (failed) throw failed;
        const maxCommitTimeMs = new Map(
          lane.members.map((member, i) => {
            const text = replies[i]?.[1] as string | null;
            return [member.name, text ? BigInt(text) : null] as const;
          }),
        );
        const stored = (replies[lane.members.length]?.[1] ?? []) as Array<string | null>;
        const rows = new Map<string, StoredRow>();
        rowKeys.forEach((rowKey, index) => {
          const text = stored[index];
          if (text !== null && text !== undefined) rows.set(rowKey, decodeStoredRow(text));
        });
        return { rows, maxCommitTimeMs };
      } catch (error) {
        throw redisUnavailable('read of row memory', error);
      }
    },

    async applyBatch(model, write) {
      return await applyModelBatch(this, model, write);
    },

    async applyLane(request) {
      try {
        return await runApplyLane(redis, request);
      } catch (error) {
        throw redisUnavailable('apply script', error);
      }
    },

    async readOffsets(model, partitions) {
      if (partitions.length === 0) return new Map();
      try {
        const stood = await redis.hmget(modelKeys(keyPrefix, model, model.generation).offsets, ...partitions);
        return new Map(partitions.map((partition, i) => [partition, stood[i] ?? null]));
      } catch (error) {
        throw redisUnavailable('read of stream offsets', error);
      }
    },

    async recordRead(model, offset) {
      const keys = modelKeys(keyPrefix, model, model.generation);
      return await recordRead(
        redis,
        { meta: keys.meta, offsets: keys.offsets, name: readerName(model.name, model.generation) },
        partitionKey(offset.topic, offset.partition),
        offset.next,
        offset.first,
      );
    },

    async *scanRowPositions(lane, pageSize = 1000) {
      const key = lane.rows;
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(key, cursor, 'COUNT', pageSize);
        cursor = next;
        const page: Array<readonly [string, RowPosition]> = [];
        for (let i = 0; i + 1 < flat.length; i += 2)
          page.push([flat[i] ?? '', storedPosition(flat[i + 1] ?? '')]);
        if (page.length > 0) yield page;
      } while (cursor !== '0');
    },

    async rowsDeleted(model, rowKeys) {
      if (rowKeys.length === 0) return true;
      // Asked of the generation readers use (the archiver waits for what dashboards show).
      const current = await redis.hget(modelKeys(keyPrefix, model).generations, 'current');
      const [lane] = await lanes.lanesOf([{ ...model, generation: Number(current ?? '0') }]);
      if (!lane) return false;
      const stored = await redis.hmget(lane.rows, ...rowKeys);
      return stored.every((text) => text !== null && !text.includes(' '));
    },

    async stopModel(model, stop) {
      const meta = modelKeys(keyPrefix, model, model.generation).meta;
      try {
        await redis.hsetnx(meta, 'stopped', JSON.stringify(stop));
        const inForce = await redis.hget(meta, 'stopped');
        return inForce === null ? stop : (JSON.parse(inForce) as ModelStop);
      } catch (error) {
        throw redisUnavailable('model stop', error);
      }
    },

    async columnTypes(model) {
      try {
        const text = await redis.hget(modelKeys(keyPrefix, model, model.generation).meta, 'columnTypes');
        return text === null ? null : new Map(Object.entries(JSON.parse(text) as Record<string, string>));
      } catch (error) {
        throw redisUnavailable('read of column types', error);
      }
    },

    async recordColumnTypes(model, types) {
      const meta = modelKeys(keyPrefix, model, model.generation).meta;
      try {
        await redis.hsetnx(meta, 'columnTypes', JSON.stringify(Object.fromEntries(types)));
        const text = (await redis.hget(meta, 'columnTypes')) ?? '{}';
        return new Map(Object.entries(JSON.parse(text) as Record<string, string>));
      } catch (error) {
        throw redisUnavailable('record of column types', error);
      }
    },

    async countDuplicates(model, duplicates) {
      if (duplicates === 0) return;
      try {
        await redis.hincrby(modelKeys(keyPrefix, model, model.generation).meta, 'duplicates', duplicates);
      } catch (error) {
        throw redisUnavailable('duplicate count', error);
      }
    },

    async readCounters(model) {
      const [applied, duplicates] = await redis.hmget(
        modelKeys(keyPrefix, model, model.generation).meta,
        'applied',
        'duplicates',
      );
      return { applied: BigInt(applied ?? '0'), duplicates: BigInt(duplicates ?? '0') };
    },

    async readSnapshot(model, range) {
      const measures = model.definition.measures;
      try {
        const reply = await runReadModel(redis, keyPrefix, model, {
          bucketed: model.retentionMs !== null,
          from: range ? String(range.fromMs) : '-inf',
          to: range ? String(range.toMs) : '+inf',
          extremes: measures.flatMap((m) =>
            m.type === 'min' || m.type === 'max' ? [[m.name, m.type] as const] : [],
          ),
          distincts: measures.flatMap((m) => (m.type === 'distinct' ? [m.name] : [])),
          ranking: model.top?.measure ?? '',
          limit: model.top?.limit ?? 0,
        });
        return snapshotFromRead(model.name, reply.json, model.top);
      } catch (error) {
        throw redisUnavailable('snapshot read', error);
      }
    },

    async readVersion(model) {
      try {
        const current = await redis.hget(modelKeys(keyPrefix, model).generations, 'current');
        const meta = modelKeys(keyPrefix, model, Number(current ?? '0')).meta;
        return BigInt((await redis.hget(meta, 'version')) ?? '0');
      } catch (error) {
        throw redisUnavailable('version read', error);
      }
    },

    async recordDeadLetters(letters) {
      if (letters.length === 0) return;
      const key = deadLetterKey(keyPrefix);
      try {
        const ids = letters.map(deadLetterId);
        const before = await redis.hmget(key, ...ids);
        const fields: string[] = [];
        const missed = new Map<string, string[]>();
        letters.forEach((letter, i) => {
          // Recorded again (a replay, a rebuild reading it anew): the concerns add up.
          const earlier = before[i] ? (JSON.parse(before[i]) as DeadLetter).concerns : undefined;
          const concerns = mergeConcerns(earlier ?? [], letter.concerns ?? []);
          // Keyed by position: a replayed poison record overwrites its own entry, never duplicates it.
          fields.push(ids[i] ?? '', JSON.stringify(concerns.length > 0 ? { ...letter, concerns } : letter));
          for (const concern of concerns) {
            const model = concernedModel(concern);
            if (!model) continue;
            const set = modelKeys(keyPrefix, model, concern.generation).missed;
            missed.set(set, [...(missed.get(set) ?? []), ids[i] ?? '']);
          }
        });
        // Each model's set in its own slot: one command each, no pipeline across models.
        await Promise.all([...missed].map(([set, members]) => redis.sadd(set, ...members)));
        await redis.hset(key, ...fields);
      } catch (error) {
        throw redisUnavailable('dead-letter write', error);
      }
    },

    async releaseDeadLetters(model) {
      const key = deadLetterKey(keyPrefix);
      const generation = model.generation ?? 0;
      try {
        const ids = await redis.smembers(modelKeys(keyPrefix, model, generation).missed);
        let removed = 0;
        for (let at = 0; at < ids.length; at += 500) {
          const page = ids.slice(at, at + 500);
          const stored = await redis.hmget(key, ...page);
          const gone: string[] = [];
          const kept: string[] = [];
          stored.forEach((text, i) => {
            if (text === null) return;
            const letter = JSON.parse(text) as DeadLetter;
            const concerns = (letter.concerns ?? []).filter(
              (c) => c.model !== model.name || c.generation !== generation,
            );
            if (concerns.length === 0) gone.push(page[i] ?? '');
            else kept.push(page[i] ?? '', JSON.stringify({ ...letter, concerns }));
          });
          if (gone.length > 0) removed += await redis.hdel(key, ...gone);
          if (kept.length > 0) await redis.hset(key, ...kept);
        }
        await redis.del(modelKeys(keyPrefix, model, generation).missed);
        return removed;
      } catch (error) {
        throw redisUnavailable('release of dead letters', error);
      }
    },

    async missedRecords(model) {
      try {
        return await redis.smembers(modelKeys(keyPrefix, model, model.generation).missed);
      } catch (error) {
        throw redisUnavailable('read of missed records', error);
      }
    },

    async countMissed(models) {
      try {
        const generations = await createGenerationStore(redis, keyPrefix).read(models);
        const counts = await Promise.all(
          models.map((model) =>
            redis.scard(modelKeys(keyPrefix, model, generations.get(model.name)?.current ?? 0).missed),
          ),
        );
        return new Map(models.map((model, i) => [model.name, counts[i] ?? 0]));
      } catch (error) {
        throw redisUnavailable('read of missed records', error);
      }
    },

    async countDeadLetters() {
      return await redis.hlen(deadLetterKey(keyPrefix));
    },

    async listDeadLetters() {
      const all = await redis.hgetall(deadLetterKey(keyPrefix));
      return Object.values(all)
        .map((text) => JSON.parse(text) as DeadLetter)
        .sort((a, b) =>
          a.topic !== b.topic
            ? a.topic.localeCompare(b.topic)
            : a.partition !== b.partition
              ? a.partition - b.partition
              : Number(BigInt(a.offset) - BigInt(b.offset)),
        );
    },

    async removeDeadLetters(ids) {
      if (ids.length === 0) return 0;
      const key = deadLetterKey(keyPrefix);
      const stored = await redis.hmget(key, ...ids);
      const forgotten = stored.flatMap((text, i) =>
        text === null
          ? []
          : ((JSON.parse(text) as DeadLetter).concerns ?? []).flatMap((concern) => {
              const model = concernedModel(concern);
              return model
                ? [redis.srem(modelKeys(keyPrefix, model, concern.generation).missed, ids[i] ?? '')]
                : [];
            }),
      );
      await Promise.all(forgotten);
      return await redis.hdel(key, ...ids);
    },

    subscriberConnection() {
      return subscriberConnection(options);
    },

    async quit() {
      await redis.quit();
    },
  };
}

export type {
  ApplyLaneOutcome,
  ApplyLaneRequest,
  BatchOffset,
  LaneMemberWrite,
  ModelStop,
} from './scripts/apply-lane-script.ts';

/** What applying a batch of one model answers (a lane of one: see applyLane). */
export type ApplyOutcome =
  | { readonly kind: 'applied'; readonly version: bigint }
  | { readonly kind: 'conflict'; readonly rowKey: string }
  /** The written generation is neither the current one nor the one being rebuilt (a switch happened). */
  | { readonly kind: 'moved'; readonly current: number }
  /** The model stands before the batch's first offset: Redis lost writes since they were made. */
  | { readonly kind: 'behind'; readonly stood: string }
  /** A change applied after its batch that the model has not read yet (see BatchWrite.readPast). */
  | { readonly kind: 'unread'; readonly partition: string; readonly stood: string | null }
  /** The batch can never be applied as it is: nothing was written, and trying again would give the same answer. */
  | { readonly kind: 'refused'; readonly reason: string }
  /** The generation was stopped (see stopModel) and takes no changes. */
  | { readonly kind: 'stopped'; readonly stop: ModelStop };

/** A lane's outcome as one model's (the lane's only member). */
function asModelOutcome(outcome: ApplyLaneOutcome): ApplyOutcome {
  switch (outcome.kind) {
    case 'applied':
      return { kind: 'applied', version: [...outcome.versions.values()][0] ?? 0n };
    case 'moved':
      return { kind: 'moved', current: outcome.current };
    case 'behind':
      return { kind: 'behind', stood: outcome.stood };
    case 'unread':
      return { kind: 'unread', partition: outcome.partition, stood: outcome.stood };
    case 'stopped':
      return { kind: 'stopped', stop: outcome.stop };
    case 'conflict':
    case 'refused':
      return outcome;
    case 'unfollowed':
      // Only a write that follows another of its batch can be answered so, and this one does not.
      throw new Error(`apply-lane.lua answered unfollowed to a write that follows none (${outcome.model})`);
  }
}
