import type { LoadedDefinition } from './load-definitions.ts';
import type { SourceDefinition } from './source-schema.ts';

/** A column a definition reads, with where it says so ("measures.1.column"). */
export interface ColumnReference {
  readonly file: string;
  readonly field: string;
  readonly table: string;
  readonly column: string;
}

/** Every column each definition (and sources.yaml's archival retention) reads from its table. */
export function columnReferences(
  loaded: readonly LoadedDefinition[],
  sources: readonly SourceDefinition[],
  sourcesFile: string,
): ColumnReference[] {
  const references: ColumnReference[] = [];
  for (const { file, definition } of loaded) {
    const table = definition.source;
    const add = (field: string, column: string) => references.push({ file, field, table, column });
    definition.filter.forEach((condition, i) => add(`filter.${i}.column`, condition.column));
    if (definition.when && 'becomes' in definition.when)
      add('when.becomes.column', definition.when.becomes.column);
    definition.dimensions.forEach((dimension, i) => {
      if ('column' in dimension) add(`dimensions.${i}.column`, dimension.column);
      else if ('bands' in dimension) add(`dimensions.${i}.bands.column`, dimension.bands.column);
      else if ('column' in dimension.bucket) add(`dimensions.${i}.bucket.column`, dimension.bucket.column);
    });
    definition.measures.forEach((measure, i) => {
      if ('column' in measure) add(`measures.${i}.column`, measure.column);
    });
  }
  sources.forEach((source, i) => {
    if (source.archivalRetention)
      references.push({
        file: sourcesFile,
        field: `sources.${i}.archivalRetention.column`,
        table: source.table,
        column: source.archivalRetention.column,
      });
  });
  return references;
}

/**
 * The references to columns their table does not have, as problems naming the file and field.
 * `columnsOf` gives a table's columns, or null for a table the database does not have (yet):
 * such a table is judged at its first change event instead.
 */
export function missingColumns(
  references: readonly ColumnReference[],
  columnsOf: (table: string) => readonly string[] | null,
): string[] {
  const problems: string[] = [];
  for (const { file, field, table, column } of references) {
    const columns = columnsOf(table);
    if (columns === null || columns.includes(column)) continue;
    problems.push(
      `${file}: ${field}: ${table} has no column "${column}" (its columns: ${columns.join(', ')})`,
    );
  }
  return problems;
}
