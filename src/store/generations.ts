import type { CompiledModel } from '../projection/index.ts';
import { isKeyOfGeneration, modelKeys } from './keys.ts';
import { loadLuaScript, redisUnavailable, runLuaScript } from './lua-script.ts';
import { scanKeys, type RedisClient } from './connection.ts';

const generationsScript = loadLuaScript('./generations.lua');

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
  read(models: readonly string[]): Promise<Map<string, GenerationState>>;
  /** Records the current generation's definition fingerprint where none is recorded yet. */
  adopt(model: CompiledModel): Promise<void>;
  /** Starts building a new generation (forgetting an unfinished earlier rebuild's claim). */
  start(model: CompiledModel): Promise<{ generation: number; abandoned: number | null }>;
  /** Moves a rebuild from `from` to its next phase (NEXT_PHASE); false if it was not at `from`. */
  advance(model: string, generation: number, from: MovablePhase): Promise<boolean>;
  /** Makes a ready generation the one readers use; the generation replaced, or null if not ready. */
  switchTo(model: string, generation: number): Promise<number | null>;
  abandon(model: string, generation: number): Promise<void>;
  /** Deletes every key of one generation (not the one readers use); how many were deleted. */
  drop(model: string, generation: number): Promise<number>;
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
  const call = async (model: string, args: Array<string | number>, what: string) => {
    const keys = modelKeys(keyPrefix, model);
    try {
      return await runLuaScript(
        redis,
        generationsScript,
        [keys.generations],
        [String(args[0]), keys.base, ...args.slice(1)],
      );
    } catch (error) {
      throw redisUnavailable(what, error);
    }
  };
  async function read(models: readonly string[]): Promise<Map<string, GenerationState>> {
    try {
      // One command per model: each model's keys live in their own cluster slot.
      const states = await Promise.all(
        models.map((model) => redis.hgetall(modelKeys(keyPrefix, model).generations)),
      );
      return new Map(models.map((model, i) => [model, decode(states[i] ?? {})]));
    } catch (error) {
      throw redisUnavailable('read of model generations', error);
    }
  }
  return {
    read,

    async adopt(model) {
      await call(model.name, ['adopt', model.fingerprint], 'record of a definition fingerprint');
    },

    async start(model) {
      const [generation, abandoned] = (await call(
        model.name,
        ['start', model.fingerprint, Date.now()],
        'start of a rebuild',
      )) as [string, string];
      return { generation: Number(generation), abandoned: abandoned === '' ? null : Number(abandoned) };
    },

    async advance(model, generation, from) {
      const to = NEXT_PHASE[from];
      return (await call(model, ['phase', generation, from, to], 'rebuild phase change')) === 1;
    },

    async switchTo(model, generation) {
      const keys = modelKeys(keyPrefix, model);
      const reply = (await call(
        model,
        ['switch', generation, keys.channel, model],
        'generation switch',
      )) as string[];
      return reply.length === 0 ? null : Number(reply[0]);
    },

    async abandon(model, generation) {
      await call(model, ['abandon', generation], 'abandon of a rebuild');
    },

    async drop(model, generation) {
      const keys = modelKeys(keyPrefix, model, generation);
      const state = (await read([model])).get(model);
      if (state?.current === generation) throw new Error(`generation ${generation} of ${model} is in use`);
      let dropped = 0;
      try {
        // Every generation shares the tag, so the pattern matches them all; the filter keeps one.
        for await (const found of scanKeys(redis, `${modelKeys(keyPrefix, model).base}:*`)) {
          const mine = found.filter((key) => isKeyOfGeneration(key, keys, generation));
          if (mine.length > 0) dropped += await redis.unlink(...mine);
        }
        await redis.hdel(keys.generations, `definition:${generation}`);
      } catch (error) {
        throw redisUnavailable('drop of an old generation', error);
      }
      return dropped;
    },
  };
}
