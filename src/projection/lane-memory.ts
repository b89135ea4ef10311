import type { Row } from '../decode/index.ts';
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
