import type { CompiledModel } from '../projection/index.ts';
import { isKeyOfGeneration, modelKeys, tableLaneKeys, type ModelRef } from './keys.ts';
import { laneField } from './lanes.ts';
import { redisUnavailable } from './lua-script.ts';
import { scanKeys, type RedisClient } from './connection.ts';
import { unknownReply } from './scripts/script-reply.ts';
import {
  runGenerations,
  type GenerationsReply,
  type GenerationsRequest,
} from './scripts/generations-script.ts';

/**
 * Where a rebuild is: `replay` (the rebuild command reads the history into the new generation),
 * `handoff` (it has, and asks a running projector to write both generations), `dual` (the
 * projector does, and replays what the new one lacks), `ready` (nothing left for the rebuild
 * command to add: the projector switches readers once the new generation has caught up).
 */
export type RebuildPhase = 'replay' | 'handoff' | 'dual' | 'ready';

/**
 * The only moves a rebuild makes between phases (docs/positions-spec.md); `ready` ends in a switch
 * (or an abandon). generations.lua refuses any other.
 */
export const NEXT_PHASE = { replay: 'handoff', handoff: 'dual', dual: 'ready' } as const;
export type MovablePhase = keyof typeof NEXT_PHASE;

export interface GenerationState {
  readonly current: number;
  readonly building: number | null;
  readonly phase: RebuildPhase | null;
  /** When the rebuild started (epoch ms). */
  readonly sinceMs: number | null;
  /** Each generation's definition fingerprint, where recorded. */
  readonly definitions: ReadonlyMap<number, string>;
}

export interface GenerationStore {
  /** Each model's generations, by model name. */
  read(models: readonly ModelRef[]): Promise<Map<string, GenerationState>>;
  /** Records the current generation's definition fingerprint where none is recorded yet. */
  adopt(model: CompiledModel): Promise<void>;
  /** Starts building a new generation (forgetting an unfinished earlier rebuild's claim). */
  start(model: CompiledModel): Promise<{ generation: number; abandoned: number | null }>;
  /** Moves a rebuild from `from` to its next phase (NEXT_PHASE); false if it was not at `from`. */
  advance(model: ModelRef, generation: number, from: MovablePhase): Promise<boolean>;
  /** Makes a ready generation the one readers use; the generation replaced, or null if not ready. */
  switchTo(model: ModelRef, generation: number): Promise<number | null>;
  abandon(model: ModelRef, generation: number): Promise<void>;
  /** Deletes every key of one generation (not the one readers use); how many were deleted. */
  drop(model: ModelRef, generation: number): Promise<number>;
}

function decode(fields: Record<string, string>): GenerationState {
  const definitions = new Map<number, string>();
  for (const [field, value] of Object.entries(fields))
    if (field.startsWith('definition:')) definitions.set(Number(field.slice('definition:'.length)), value);
  return {
    current: Number(fields.current ?? '0'),
    building: fields.building === undefined ? null : Number(fields.building),
    phase: (fields.phase as RebuildPhase | undefined) ?? null,
    sinceMs: fields.since === undefined ? null : Number(fields.since),
    definitions,
  };
}

export function createGenerationStore(redis: RedisClient, keyPrefix: string): GenerationStore {
  const call = async (
    model: ModelRef,
    request: GenerationsRequest,
    what: string,
  ): Promise<GenerationsReply> => {
    try {
      return await runGenerations(redis, modelKeys(keyPrefix, model).generations, request);
    } catch (error) {
      throw redisUnavailable(what, error);
    }
  };
  async function read(models: readonly ModelRef[]): Promise<Map<string, GenerationState>> {
    try {
      // One command per model: each table's keys live in their own cluster slot.
      const states = await Promise.all(
        models.map((model) => redis.hgetall(modelKeys(keyPrefix, model).generations)),
      );
      return new Map(models.map((model, i) => [model.name, decode(states[i] ?? {})]));
    } catch (error) {
      throw redisUnavailable('read of model generations', error);
    }
  }
  return {
    read,

    async adopt(model) {
      await call(
        model,
        { op: 'adopt', fingerprint: model.fingerprint },
        'record of a definition fingerprint',
      );
    },

    async start(model) {
      const reply = await call(
        model,
        { op: 'start', fingerprint: model.fingerprint, nowMs: Date.now() },
        'start of a rebuild',
      );
      if (reply.kind !== 'started') throw unknownReply('generations.lua start', reply);
      return { generation: reply.generation, abandoned: reply.abandoned };
    },

    async advance(model, generation, from) {
      const reply = await call(
        model,
        { op: 'phase', generation, from, to: NEXT_PHASE[from] },
        'rebuild phase change',
      );
      return reply.kind === 'moved';
    },

    async switchTo(model, generation) {
      // The current generation as seen now: the script switches only if it still is (else: read again).
      for (;;) {
        const seen = (await read([model])).get(model.name)?.current ?? 0;
        const reply = await call(
          model,
          {
            op: 'switch',
            generation,
            seen,
            currentMeta: modelKeys(keyPrefix, model, seen).meta,
            newMeta: modelKeys(keyPrefix, model, generation).meta,
            channel: modelKeys(keyPrefix, model).channel,
            model: model.name,
          },
          'generation switch',
        );
        if (reply.kind === 'switched') return reply.old;
        if (reply.kind !== 'stale') return null;
      }
    },

    async abandon(model, generation) {
      await call(model, { op: 'abandon', generation }, 'abandon of a rebuild');
    },

    async drop(model, generation) {
      const keys = modelKeys(keyPrefix, model, generation);
      const state = (await read([model])).get(model.name);
      if (state?.current === generation)
        throw new Error(`generation ${generation} of ${model.name} is in use`);
      let dropped = 0;
      try {
        // Every generation shares the tag, so the pattern matches them all; the filter keeps one.
        for await (const found of scanKeys(redis, `${modelKeys(keyPrefix, model).base}:*`)) {
          const mine = found.filter((key) => isKeyOfGeneration(key, keys, generation));
          if (mine.length > 0) dropped += await redis.unlink(...mine);
        }
        await redis.hdel(keys.generations, `definition:${generation}`);
        // Its place in its table's lanes; a lane of its own goes with it (the main lane stays).
        const lanes = tableLaneKeys(keyPrefix, model.table);
        const field = laneField(model.name, generation);
        const lane = await redis.hget(lanes.registry, field);
        await redis.hdel(lanes.registry, field);
        if (lane === field) dropped += await redis.unlink(lanes.rows(lane));
      } catch (error) {
        throw redisUnavailable('drop of an old generation', error);
      }
      return dropped;
    },
  };
}
