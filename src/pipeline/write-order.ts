import type { CompiledModel } from '../projection/index.ts';
import type { Lane } from '../store/index.ts';

/**
 * Runs `write` for every model instance: different models at once, the generations of one model
 * one after another, the newest first. While a rebuild hands over, the new generation then holds
 * every change the current one holds at any instant, so readers switched to it (by whichever
 * projector of the group) never lose sight of a change they could already see.
 */
export async function inGenerationOrder<T>(
  targets: readonly CompiledModel[],
  write: (model: CompiledModel) => Promise<T>,
): Promise<T[]> {
  const byModel = new Map<string, CompiledModel[]>();
  for (const target of targets) byModel.set(target.name, [...(byModel.get(target.name) ?? []), target]);
  const results = await Promise.all(
    [...byModel.values()].map(async (generations) => {
      const out: T[] = [];
      const newestFirst = [...generations].sort((a, b) => (b.generation ?? 0) - (a.generation ?? 0));
      for (const model of newestFirst) out.push(await write(model));
      return out;
    }),
  );
  return results.flat();
}

/**
 * Runs `write` for every lane, in the order inGenerationOrder keeps: lanes that share no model at
 * once; lanes holding generations of the same model one after another, the one with the newest
 * generation first.
 */
export async function inLaneOrder<T>(
  lanes: readonly Lane[],
  write: (lane: Lane) => Promise<T>,
): Promise<T[]> {
  // Lanes joined by a model they both hold form one chain.
  const chains: Lane[][] = [];
  for (const lane of lanes) {
    const names = new Set(lane.members.map((model) => model.name));
    const joined = chains.filter((chain) =>
      chain.some((other) => other.members.some((m) => names.has(m.name))),
    );
    const merged = [...joined.flat(), lane];
    for (const chain of joined) chains.splice(chains.indexOf(chain), 1);
    chains.push(merged);
  }
  const newest = (lane: Lane) => Math.max(...lane.members.map((model) => model.generation ?? 0));
  const results = await Promise.all(
    chains.map(async (chain) => {
      const out: T[] = [];
      for (const lane of [...chain].sort((a, b) => newest(b) - newest(a))) out.push(await write(lane));
      return out;
    }),
  );
  return results.flat();
}
