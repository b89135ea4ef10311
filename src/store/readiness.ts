import type { CompiledModel } from '../projection/index.ts';
import { describeError } from '../errors/index.ts';
import type { GenerationState } from './generations.ts';
import { modelReader, type ReaderReadiness } from './positions.ts';
import type { ReadModelStore } from './redis-store.ts';

export interface Readiness {
  readonly ready: boolean;
  /** Per read model: why it cannot be served now (absent when it can). */
  readonly notReady: Readonly<Record<string, string>>;
  /**
   * Per read model served with numbers it cannot vouch for in full, and why: records it missed,
   * or a stop (its source's schema changed). Served all the same, saying so in `freshness`: one
   * model's gap does not take every dashboard down, and `readout status` exits 1 for it.
   */
  readonly incomplete: Readonly<Record<string, string>>;
  /**
   * Per read model added to running processes and still reading its topic for the first time,
   * with its progress. Not served yet (its queries say so), but the rest is: adding a model must
   * not take every dashboard down. (A first start's backfill is under `notReady`: nothing is
   * served then.)
   */
  readonly backfilling?: Readonly<Record<string, string>>;
}

/** "topic/partition reached/end" for each partition a reader is catching up on. */
export function catchUpProgress(state: Pick<ReaderReadiness, 'catchUp' | 'reached'>): string {
  return [...state.catchUp]
    .map(([partition, target]) => `${partition} ${state.reached.get(partition) ?? '0'}/${target}`)
    .join(', ');
}

/**
 * Is every read model servable, read from Redis now (not from the API's snapshot cache): Redis
 * answers, a projector has taken each model on (with the definition in its file) and read its
 * topic to the end, and none is replaying what Redis lost. A model whose topic is empty or does
 * not exist yet is ready, and empty: the projector gives it a version when it takes it on (see
 * positions.lua, 'backfill'); version 0 means no projector ever has.
 */
export async function checkReadiness(
  store: ReadModelStore,
  models: ReadonlyMap<string, CompiledModel>,
  keyPrefix: string,
  /**
   * Models this process took on through a reload: one that no projector has taken on yet (a
   * projector reloads a moment later, or later still) is listed as backfilling, not as not ready.
   */
  addedByReload: ReadonlySet<string> = new Set(),
): Promise<Readiness> {
  const names = [...models.keys()];
  let generations: Map<string, GenerationState>;
  let states;
  let missed: Map<string, number>;
  try {
    // The generation readers use (a rebuild switches it).
    generations = await store.generations.read([...models.values()]);
    states = await store.positions.readiness(
      [...models.values()].map((model) =>
        modelReader(keyPrefix, model, generations.get(model.name)?.current ?? 0),
      ),
    );
    missed = await store.countMissed([...models.values()]);
  } catch (error) {
    return {
      ready: false,
      notReady: Object.fromEntries(names.map((name) => [name, describeError(error)])),
      incomplete: {},
    };
  }
  const incomplete: Record<string, string> = {};
  const notReady: Record<string, string> = {};
  const backfilling: Record<string, string> = {};
  names.forEach((name, i) => {
    const state = states[i];
    const generation = generations.get(name);
    const definition = generation?.definitions.get(generation.current);
    if ((!state || state.version === 0n) && addedByReload.has(name))
      backfilling[name] = 'a new read model, not taken on by a projector yet (has every projector reloaded?)';
    else if (!state || state.version === 0n)
      notReady[name] = 'no data yet: no projector has taken it on (is one running with this definition?)';
    else if (definition !== undefined && definition !== models.get(name)?.fingerprint)
      notReady[name] = `computed with another definition than the file's: run readout rebuild ${name}`;
    else if (state.backfilling === 'added')
      backfilling[name] = `a new read model, reading its topic from the start: ${catchUpProgress(state)}`;
    else if (state.backfilling === 'start')
      notReady[name] = `reading its topic from the start (Redis was new): ${catchUpProgress(state)}`;
    else if (state.catchUp.size > 0)
      notReady[name] =
        `replaying what Redis lost, until ${[...state.catchUp].map(([p, o]) => `${p}@${o}`).join(', ')}`;
  });
  names.forEach((name, i) => {
    const stopped = states[i]?.stopped;
    const count = missed.get(name) ?? 0;
    const reasons = [
      ...(stopped ? [`stopped (${stopped.code}): ${stopped.reason}`] : []),
      ...(count > 0 ? [`${count} records could not be applied (see the dead letters)`] : []),
    ];
    if (reasons.length > 0) incomplete[name] = reasons.join('; ');
  });
  return { ready: Object.keys(notReady).length === 0, notReady, incomplete, backfilling };
}
