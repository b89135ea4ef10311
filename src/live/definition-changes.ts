import type { DefinitionChanges } from './definition-reloads.ts';
import type { CompiledModel } from '../projection/index.ts';

/**
 * What a reload changes, by model name: models only in `after` are added, only in `before`
 * removed, and in both with another definition fingerprint changed (their data was computed with
 * the old definition: stale until `readout rebuild`, unless changed back to it).
 */
export function definitionChanges(
  before: readonly CompiledModel[],
  after: readonly CompiledModel[],
): DefinitionChanges {
  const old = new Map(before.map((model) => [model.name, model.fingerprint]));
  const next = new Map(after.map((model) => [model.name, model.fingerprint]));
  return {
    added: [...next.keys()].filter((name) => !old.has(name)),
    changed: [...next].filter(([name, print]) => old.has(name) && old.get(name) !== print).map(([n]) => n),
    removed: [...old.keys()].filter((name) => !next.has(name)),
  };
}

/** "added a, b; changed c (stale until readout rebuild c); removed d", or "nothing changed". */
export function describeChanges({ added, changed, removed }: DefinitionChanges): string {
  const parts = [
    ...(added.length > 0 ? [`added ${added.join(', ')}`] : []),
    ...(changed.length > 0
      ? [`changed ${changed.join(', ')} (not served until readout rebuild ${changed.join(' ')})`]
      : []),
    ...(removed.length > 0 ? [`removed ${removed.join(', ')}`] : []),
  ];
  return parts.length === 0 ? 'nothing changed' : parts.join('; ');
}
