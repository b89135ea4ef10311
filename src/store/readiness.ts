import type { CompiledModel } from '../projection/index.js';
import { describeError } from '../errors/index.js';
import { modelReader } from './positions.js';
import type { ReadModelStore } from './redis-store.js';

export interface Readiness {
  readonly ready: boolean;
  /** Per read model: why it cannot be served now (absent when it can). */
  readonly notReady: Readonly<Record<string, string>>;
}

/**
 * Is every read model servable, read from Redis now (not from the API's snapshot cache): Redis
 * answers, a projector has written each model, and none is replaying what Redis lost.
 */
export async function checkReadiness(
  store: ReadModelStore,
  models: ReadonlyMap<string, CompiledModel>,
  keyPrefix: string,
): Promise<Readiness> {
  const names = [...models.keys()];
  let states;
  try {
    states = await store.positions.readiness(names.map((name) => modelReader(keyPrefix, name)));
  } catch (error) {
    return { ready: false, notReady: Object.fromEntries(names.map((name) => [name, describeError(error)])) };
  }
  const notReady: Record<string, string> = {};
  for (const state of states) {
    if (state.version === 0n) notReady[state.name] = 'no data yet: no projector has filled it';
    else if (state.catchUp.size > 0)
      notReady[state.name] =
        `replaying what Redis lost, until ${[...state.catchUp].map(([p, o]) => `${p}@${o}`).join(', ')}`;
  }
  return { ready: Object.keys(notReady).length === 0, notReady };
}
