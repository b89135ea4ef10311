import type { ChangeSource } from '../ingest/index.ts';
import type { Logger } from '../log/logger.ts';
import type { CompiledModel } from '../projection/index.ts';
import {
  modelReader,
  partitionKey,
  type GenerationState,
  type ReadModelStore,
  type StreamReader,
} from '../store/index.ts';

export interface GenerationsDeps {
  readonly models: readonly CompiledModel[];
  readonly store: Pick<ReadModelStore, 'generations' | 'positions'>;
  readonly keyPrefix: string;
  readonly topicOf: (model: CompiledModel) => string;
  readonly logger: Logger;
}

/** A model instance to write, with its place in the change stream. */
export interface WriteTarget {
  readonly model: CompiledModel;
  readonly reader: StreamReader;
}

/**
 * The projector's side of generations (see `readout rebuild`): which generation of each model it
 * writes, refreshed before every batch.
 *
 * - It writes the generation readers use, unless that generation was computed with another
 *   definition than the model's file (then it writes nothing to it: it waits for a rebuild, and
 *   says so once).
 * - When the rebuild command has read the history into a new generation (phase `handoff`), the
 *   projector writes that generation too (`dual`), from where the rebuild stopped: the new
 *   generation's offsets are behind the projector's, so the position check replays the gap, and
 *   it is "catching up" until it reaches the partitions' ends as they were at the handoff.
 * - Once the rebuild command says it has nothing more to add (`ready`) and the new generation has
 *   caught up, a projector switches readers to it between two of its batches; every projector
 *   writes only the new one from its next batch on.
 */
export function createGenerations({ models: initial, store, keyPrefix, topicOf, logger }: GenerationsDeps) {
  // The models of the definitions in force (a reload replaces them; refresh() then follows).
  let models = initial;
  let states = new Map<string, GenerationState>();
  let targets: WriteTarget[] | undefined;
  const adopted = new Set<string>();
  const warnedStale = new Set<string>();
  // Rebuilt generations this projector has started writing ("model#generation").
  const followed = new Set<string>();

  function targetsOf(model: CompiledModel, state: GenerationState): WriteTarget[] {
    // The generation being rebuilt first: writes go to it before the current one (write-order.ts).
    const out: WriteTarget[] = [];
    const recorded = state.definitions.get(state.current);
    if (recorded === undefined || recorded === model.fingerprint) {
      out.push({
        model: { ...model, generation: state.current },
        reader: modelReader(keyPrefix, model, state.current),
      });
    } else if (!warnedStale.has(model.name)) {
      warnedStale.add(model.name);
      logger.warn(
        { model: model.name, generation: state.current },
        `${model.name}'s definition changed since its data was computed: not updated (nor served) until \`readout rebuild ${model.name}\``,
      );
    }
    const building = state.building;
    if (building !== null && (state.phase === 'dual' || state.phase === 'ready')) {
      if (state.definitions.get(building) === model.fingerprint)
        out.unshift({
          model: { ...model, generation: building },
          reader: modelReader(keyPrefix, model, building, true),
        });
      else if (!warnedStale.has(`${model.name}#${building}`)) {
        warnedStale.add(`${model.name}#${building}`);
        logger.warn(
          { model: model.name, generation: building },
          'the rebuild in progress was started with another definition than this projector has: not written',
        );
      }
    }
    return out;
  }

  async function refresh(): Promise<void> {
    states = await store.generations.read(models);
    for (const model of models) {
      const state = states.get(model.name);
      // The first run with fingerprints records the definition the data was computed with.
      if (state && !state.definitions.has(state.current) && !adopted.has(model.name)) {
        await store.generations.adopt(model);
        adopted.add(model.name);
        states = await store.generations.read(models);
      }
    }
    targets = models.flatMap((model) => {
      const state = states.get(model.name);
      return state ? targetsOf(model, state) : [];
    });
  }

  return {
    refresh,
    /** The definitions were reloaded: these models are written from the next refresh() on. */
    setModels(next: readonly CompiledModel[]): void {
      models = next;
      warnedStale.clear(); // a model still stale after a reload is said so again
    },
    /** What to write, as of the last refresh. */
    targets(): readonly WriteTarget[] {
      if (!targets) throw new Error('generations.targets() before refresh(): nothing would be written');
      return targets;
    },

    /**
     * Follows rebuilds handed over to the projectors. A handoff is taken once for the group: the
     * new generation is "catching up" to the ends of every partition of its topic now. Then each
     * projector, the first time it sees the new generation, reads its own partitions again from
     * where that generation stands (the other generations skip what they already have), so even a
     * partition with no new record catches up.
     */
    async followRebuilds(source: Pick<ChangeSource, 'assigned' | 'ranges' | 'seek'>): Promise<void> {
      let taken = false;
      for (const model of models) {
        const state = states.get(model.name);
        if (state?.building === null || state?.building === undefined || state.phase !== 'handoff') continue;
        const generation = state.building;
        const ends = (await source.ranges()).filter((range) => range.topic === topicOf(model));
        await store.positions.catchUp(
          modelReader(keyPrefix, model, generation, true),
          new Map(ends.map((range) => [partitionKey(range.topic, range.partition), range.high])),
        );
        if (!(await store.generations.advance(model, generation, 'handoff'))) continue;
        taken = true;
        logger.info(
          {
            model: model.name,
            generation,
            until: ends.map((r) => `${partitionKey(r.topic, r.partition)}@${r.high}`),
          },
          'rebuild handed over: writing both generations while the new one catches up',
        );
      }
      if (taken) await refresh();
      for (const model of models) {
        const state = states.get(model.name);
        const generation = state?.building;
        if (generation === null || generation === undefined) continue;
        if (state?.phase !== 'dual' && state?.phase !== 'ready') continue;
        if (followed.has(`${model.name}#${generation}`)) continue;
        followed.add(`${model.name}#${generation}`);
        const reader = modelReader(keyPrefix, model, generation, true);
        for (const range of (await source.assigned()).filter((r) => r.topic === topicOf(model))) {
          const { positions } = await store.positions.read([reader], range.topic, range.partition);
          const from = positions[0]?.next ?? range.low;
          if (BigInt(from) < BigInt(range.high)) source.seek(range.topic, range.partition, from);
        }
      }
    },

    /**
     * A rebuilt generation that has caught up becomes the one readers use. Called between this
     * projector's batches; another projector may be in the middle of one, which is safe because
     * every batch writes the new generation before the current one (write-order.ts).
     */
    async switchReady(): Promise<void> {
      const ready = models.filter((model) => states.get(model.name)?.phase === 'ready');
      if (ready.length === 0) return;
      const progress = await store.positions.readiness(
        ready.map((model) => modelReader(keyPrefix, model, states.get(model.name)?.building ?? 0, true)),
      );
      let switched = false;
      for (const [i, model] of ready.entries()) {
        const generation = states.get(model.name)?.building;
        if (generation === null || generation === undefined || (progress[i]?.catchUp.size ?? 1) > 0) continue;
        const old = await store.generations.switchTo(model, generation);
        if (old === null) continue;
        switched = true;
        warnedStale.delete(model.name);
        logger.info(
          { model: model.name, generation, replaced: old },
          'readers switched to the rebuilt generation',
        );
      }
      if (switched) await refresh();
    },
  };
}

export type Generations = ReturnType<typeof createGenerations>;
