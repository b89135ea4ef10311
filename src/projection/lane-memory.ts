import type { Row } from '../decode/index.ts';
import type { FoldEvent } from './fold-batch.ts';
import type { CompiledModel } from './compile-model.ts';
import { columnText, type MemoryRow } from './memory-row.ts';

/** A column several models remember, and whether any of them reads it as an exact number. */
type ColumnPlan = ReadonlyArray<readonly [column: string, exact: boolean]>;

// Per set of models (a lane's members, a table's models): computed once, not per row.
const plans = new WeakMap<readonly CompiledModel[], ColumnPlan>();

function planOf(models: readonly CompiledModel[]): ColumnPlan {
  let plan = plans.get(models);
  if (plan === undefined) {
    const exact = new Map<string, boolean>();
    for (const model of models)
      for (const column of model.columns)
        exact.set(column, (exact.get(column) ?? false) || model.exactColumns.has(column));
    plan = [...exact];
    plans.set(models, plan);
  }
  return plan;
}

/**
 * The row as all of `models` remember it, in one object: each column converted once (a shared
 * column reads the same for every model), refused as a float if any model reads it exactly, and
 * an unchanged TOAST value taken from `previous`. Throws RowRejected as each model's own
 * remember would.
 */
export function rememberAll(
  models: readonly CompiledModel[],
  row: Row,
  previous: MemoryRow | null,
): MemoryRow {
  if (models.length === 1) return (models[0] as CompiledModel).remember(row, previous);
  const memory: Record<string, string | null> = {};
  for (const [column, exact] of planOf(models)) {
    const text = columnText(row[column], column, exact);
    memory[column] = text === undefined ? (previous?.[column] ?? null) : text;
  }
  return memory;
}

/** Is any of the row's columns the TOAST placeholder (its memory then depends on the previous one)? */
function keepsUnchanged(row: Row): boolean {
  for (const column in row) {
    const value = row[column];
    if (typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'unavailable')
      return true;
  }
  return false;
}

function samePlan(a: ColumnPlan, b: ColumnPlan): boolean {
  return (
    a === b ||
    (a.length === b.length && a.every(([column, exact], i) => b[i]?.[0] === column && b[i]?.[1] === exact))
  );
}

/**
 * Rows already remembered by one set of models (the verdict's, before the fold), for a fold whose
 * members remember the same columns the same way: it takes them instead of converting every
 * column again. Only rows without a TOAST placeholder are kept (their memory does not depend on
 * the previous one).
 */
export class RememberedRows {
  private readonly rows = new Map<
    FoldEvent,
    { readonly by: readonly CompiledModel[]; readonly memory: MemoryRow }
  >();

  keep(event: FoldEvent, by: readonly CompiledModel[], row: Row, memory: MemoryRow): void {
    if (!keepsUnchanged(row)) this.rows.set(event, { by, memory });
  }

  /** The row `event` brings as `models` remember it, if it was remembered that way already. */
  memoryOf(event: FoldEvent, models: readonly CompiledModel[]): MemoryRow | undefined {
    const kept = this.rows.get(event);
    if (kept === undefined) return undefined;
    return kept.by === models || samePlan(planOf(kept.by), planOf(models)) ? kept.memory : undefined;
  }
}
