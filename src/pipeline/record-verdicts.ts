import type { Row, RowEvent } from '../decode/index.ts';
import {
  rememberAll,
  RowRejected,
  type CompiledModel,
  type MemoryRow,
  type RememberedRows,
} from '../projection/index.ts';

/** A record refused by one or more models of its table: no model of the table applies it. */
export interface RefusedEvent {
  readonly event: RowEvent;
  /** "model: reason", one per model that refused it. */
  readonly reasons: readonly string[];
}

/** A model whose source no longer has what it reads: it stops until its definition is fixed. */
export interface SchemaChange {
  readonly model: CompiledModel;
  readonly event: RowEvent;
  readonly reason: string;
}

export interface Verdicts {
  /** The events every model of their table can apply, in order. */
  readonly admitted: RowEvent[];
  readonly refused: RefusedEvent[];
  readonly schemaChanges: SchemaChange[];
}

/**
 * Has the source stopped sending a column the model reads? With Debezium's schema, a column is
 * gone when the schema no longer lists it (a payload that lacks a column its schema lists is a
 * malformed record instead, judged by the values). Without a schema, only the payload tells.
 */
function missingColumn(model: CompiledModel, event: RowEvent & { after: object }): string | null {
  for (const column of model.columns) {
    const present = event.columnTypes ? event.columnTypes.has(column) : Object.hasOwn(event.after, column);
    if (!present) return column;
  }
  return null;
}

/**
 * What a column's values mean, from its Connect type signature (decode's columnTypes): a change
 * within a family (int32 to int64, a decimal's precision) reads the same; across families (a
 * decimal that becomes text or a double, a date that becomes a timestamp) it does not.
 */
export function typeFamily(signature: string): string {
  let family = families.get(signature);
  if (family === undefined) families.set(signature, (family = familyOf(signature)));
  return family;
}

const families = new Map<string, string>();

function familyOf(signature: string): string {
  const [type = '', name] = signature.split('/', 2);
  if (name === undefined) {
    if (/^int(8|16|32|64)$/.test(type)) return 'integer';
    if (type === 'float' || type === 'double') return 'float';
    return type;
  }
  if (
    name.startsWith('org.apache.kafka.connect.data.Decimal') ||
    name.startsWith('io.debezium.data.VariableScaleDecimal')
  )
    return 'decimal';
  return name;
}

/** Per model, the Connect types its columns had when it started reading them (undefined: none yet). */
export type KnownTypes = (model: CompiledModel) => ReadonlyMap<string, string> | undefined;

/**
 * Per model: the column-type maps already compared (events of one schema share one map, so a
 * batch compares each schema once, not each event).
 */
const compared = new WeakMap<CompiledModel, WeakMap<ReadonlyMap<string, string>, string | null>>();

function changedType(model: CompiledModel, event: RowEvent, known: KnownTypes): string | null {
  const before = known(model);
  if (before === undefined || event.columnTypes === null) return null;
  let seen = compared.get(model);
  if (!seen) compared.set(model, (seen = new WeakMap()));
  let verdict = seen.get(event.columnTypes);
  if (verdict === undefined)
    seen.set(event.columnTypes, (verdict = typeChange(model, before, event.columnTypes)));
  return verdict;
}

function typeChange(
  model: CompiledModel,
  before: ReadonlyMap<string, string>,
  now: ReadonlyMap<string, string>,
): string | null {
  for (const column of model.columns) {
    const was = before.get(column);
    const is = now.get(column);
    if (was !== undefined && is !== undefined && typeFamily(was) !== typeFamily(is))
      return `column ${column} of ${model.table} changed type from ${was} to ${is}`;
  }
  return null;
}

/**
 * What each of `models` finds wrong with a row. The row is remembered once for all of them (each
 * column converted once); only when that refuses a value does each model remember it alone, so
 * the reasons name the models that refuse it.
 */
function problemsOf(
  models: readonly CompiledModel[],
  row: Row,
): { memory: MemoryRow | null; problems: string[] | null } {
  let memory: MemoryRow | null = null;
  try {
    memory = rememberAll(models, row, null);
  } catch (error) {
    if (!(error instanceof RowRejected)) throw error;
  }
  let problems: string[] | null = null;
  for (const model of models) {
    const problem = memory === null ? model.problemWith(row) : model.problemWithMemory(memory);
    if (problem !== null) (problems ??= []).push(`${model.name}: ${problem}`);
  }
  return { memory, problems };
}

/**
 * One verdict per record: a row change is applied to every read model of its table or to none.
 * Each model judges the row's values (problemWith); one refusal refuses the record for all, so
 * no model is ever ahead of another by a record the others could not take. A model whose columns
 * disappeared from the source's schema, or changed type family, is not a verdict on the record:
 * that model stops (the same would happen to every later record) and the others go on. Pure, but
 * for `remembered`, which keeps the admitted rows as the judges remembered them (for the fold).
 */
export function judgeEvents(
  events: readonly RowEvent[],
  models: readonly CompiledModel[],
  known: KnownTypes = () => undefined,
  remembered?: RememberedRows,
): Verdicts {
  const admitted: RowEvent[] = [];
  const refused: RefusedEvent[] = [];
  const schemaChanges: SchemaChange[] = [];
  // Per table, the models still judging its records (a model whose schema changed has stopped).
  const judging = new Map<string, CompiledModel[]>();
  for (const event of events) {
    // A delete carries the key (and maybe the old row): it is folded from what was remembered.
    if (event.kind === 'delete') {
      admitted.push(event);
      continue;
    }
    let judges = judging.get(event.table) ?? models.filter((model) => model.table === event.table);
    let stopping: Set<CompiledModel> | null = null;
    for (const model of judges) {
      const column = missingColumn(model, event);
      const reason =
        column !== null
          ? `column ${column} of ${model.table} is not in its change events (dropped, renamed, or misspelt in the definition?)`
          : changedType(model, event, known);
      if (reason === null) continue;
      (stopping ??= new Set()).add(model);
      schemaChanges.push({ model, event, reason });
    }
    const stopped = stopping;
    if (stopped !== null) judges = judges.filter((model) => !stopped.has(model));
    judging.set(event.table, judges);
    const { memory, problems } = problemsOf(judges, event.after);
    if (problems !== null) refused.push({ event, reasons: problems });
    else {
      admitted.push(event);
      if (memory !== null) remembered?.keep(event, judges, event.after, memory);
    }
  }
  return { admitted, refused, schemaChanges };
}
