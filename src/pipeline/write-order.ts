import type { CompiledModel } from '../projection/index.ts';

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
