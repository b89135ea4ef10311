/** A table as the definitions name it (`schema.table`), and the ways the capture spells it. */
export interface TableName {
  readonly schema: string;
  readonly table: string;
  /** `schema.table`, as the definitions and Debezium's topics write it. */
  readonly qualified: string;
}

/** Splits `schema.table` (a name without a schema is in `public`, as Debezium's topics say). */
export function tableName(qualified: string): TableName {
  const at = qualified.indexOf('.');
  const schema = at < 0 ? 'public' : qualified.slice(0, at);
  const table = at < 0 ? qualified : qualified.slice(at + 1);
  return { schema, table, qualified: `${schema}.${table}` };
}

/** An identifier for SQL text, always quoted: a table named `order` or `Orders` stays itself. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `schema.table` for SQL text. */
export function sqlTable(name: TableName): string {
  return `${quoteIdent(name.schema)}.${quoteIdent(name.table)}`;
}

/** A string literal for SQL text. */
export function sqlLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Debezium reads table.include.list and a signal's data-collections as regular expressions
 * matched against the whole `schema.table`: a bare `public.t` would also match `public_t`.
 */
export function tablePattern(name: TableName): string {
  return name.qualified.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The tables of an include list written by tablePattern (what Readout itself put there). */
export function tablesOfPatterns(list: string | undefined): string[] {
  if (list === undefined || list.trim() === '') return [];
  return list
    .split(',')
    .map((pattern) => pattern.trim().replace(/\\(.)/g, '$1'))
    .filter((name) => name !== '');
}
