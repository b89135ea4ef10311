import type { CompiledModel } from '../projection/index.ts';
import { modelKeys, type ModelKeys } from './keys.ts';
import { readerName } from './positions.ts';

/**
 * A lane: model generations of one table that share one memory per row (its rows hash) and are
 * written together, one script per batch (apply-lane.lua). `id` names it (the row cache keeps a
 * lane's rows under it).
 */
export interface Lane {
  readonly id: string;
  /** The hash of the lane's rows: row key → position and the members' remembered columns. */
  readonly rows: string;
  readonly members: readonly CompiledModel[];
  /** Each member's keys, in the order of `members`. */
  readonly keys: readonly ModelKeys[];
}

/** A member's keys in its lane. */
export function laneMemberKeys(lane: Lane, model: CompiledModel): ModelKeys {
  const keys = lane.keys[lane.members.indexOf(model)];
  if (!keys) throw new Error(`${model.name} is not a member of lane ${lane.id}`);
  return keys;
}

/**
 * The lanes that write these model instances. Each model generation is a lane of its own for now:
 * its rows under its own keys, so that every lane lives in one hash slot of its model's tag.
 */
export function lanesOf(keyPrefix: string, targets: readonly CompiledModel[]): Lane[] {
  return targets.map((model) => {
    const keys = modelKeys(keyPrefix, model.name, model.generation);
    return { id: readerName(model.name, model.generation), rows: keys.rows, members: [model], keys: [keys] };
  });
}
