import type { CompiledModel } from '../projection/index.ts';
import type { RedisClient } from './connection.ts';
import { modelKeys, tableLaneKeys, type ModelKeys } from './keys.ts';
import { redisUnavailable } from './lua-script.ts';
import { runLanes } from './scripts/lanes-script.ts';

/**
 * A lane: model generations of one table that share one memory per row (its rows hash) and are
 * written together, one script per batch (apply-lane.lua). Every key of a lane is under its
 * table's hash tag (keys.ts), so the script runs on one cluster slot. `id` names it within its
 * table: `main`, or a generation's own (`model#generation`).
 */
export interface Lane {
  readonly id: string;
  /** The hash of the lane's rows: row key → position and the members' remembered columns. */
  readonly rows: string;
  readonly members: readonly CompiledModel[];
  /** Each member's keys, in the order of `members`. */
  readonly keys: readonly ModelKeys[];
}

/** The lane every generation of a table joins while the table has no remembered row yet. */
export const MAIN_LANE = 'main';

/** A generation's field in its table's lane registry, and the id of a lane of its own. */
export const laneField = (model: string, generation: number): string => `${model}#${generation}`;

/** A member's keys in its lane. */
export function laneMemberKeys(lane: Lane, model: CompiledModel): ModelKeys {
  const keys = lane.keys[lane.members.indexOf(model)];
  if (!keys) throw new Error(`${model.name} is not a member of lane ${lane.id}`);
  return keys;
}

/** Which lane each model generation writes with, kept in Redis per table (lanes.lua) and here. */
export interface LaneDirectory {
  /** The lanes that write these model instances, grouped by table (assigning any that has none). */
  lanesOf(targets: readonly CompiledModel[]): Promise<Lane[]>;
  /** Forgets what this process knows (after Redis lost data: the registry may have gone too). */
  forget(): void;
}

export function createLaneDirectory(redis: RedisClient, keyPrefix: string): LaneDirectory {
  // "table|model#generation" → lane id (a generation keeps its lane).
  const known = new Map<string, string>();
  const fieldOf = (model: CompiledModel) => laneField(model.name, model.generation ?? 0);

  async function assign(table: string, models: readonly CompiledModel[]): Promise<void> {
    // The oldest generation first: the one readers use is the one that may join the main lane.
    const unknown = models
      .filter((model) => !known.has(`${table}|${fieldOf(model)}`))
      .sort((a, b) => (a.generation ?? 0) - (b.generation ?? 0));
    if (unknown.length === 0) return;
    const keys = tableLaneKeys(keyPrefix, table);
    try {
      const reply = await runLanes(redis, {
        registry: keys.registry,
        mainRows: keys.rows(MAIN_LANE),
        main: MAIN_LANE,
        generations: unknown.map((model) => ({
          field: fieldOf(model),
          model: model.name,
          own: fieldOf(model),
        })),
      });
      unknown.forEach((model, i) =>
        known.set(`${table}|${fieldOf(model)}`, reply.lanes[i] ?? fieldOf(model)),
      );
    } catch (error) {
      throw redisUnavailable('assignment of lanes', error);
    }
  }

  return {
    forget: () => known.clear(),

    async lanesOf(targets) {
      const byTable = new Map<string, CompiledModel[]>();
      for (const model of targets) byTable.set(model.table, [...(byTable.get(model.table) ?? []), model]);
      await Promise.all([...byTable].map(([table, models]) => assign(table, models)));
      const lanes = new Map<string, { table: string; id: string; members: CompiledModel[] }>();
      for (const model of targets) {
        const id = known.get(`${model.table}|${fieldOf(model)}`) ?? fieldOf(model);
        const key = `${model.table}|${id}`;
        let lane = lanes.get(key);
        if (!lane) lanes.set(key, (lane = { table: model.table, id, members: [] }));
        lane.members.push(model);
      }
      return [...lanes.values()].map(({ table, id, members }) => ({
        id,
        rows: tableLaneKeys(keyPrefix, table).rows(id),
        members,
        keys: members.map((model) => modelKeys(keyPrefix, model, model.generation)),
      }));
    },
  };
}
