import type pg from 'pg';
import { ErrorCode, ReadoutError } from '../errors/index.ts';

/** A table that ON DELETE CASCADE empties along with the archived one: archived first, alongside. */
export interface CascadingChild {
  readonly table: string;
  readonly column: string;
  /** The parent column it references. */
  readonly references: string;
}

export interface TableShape {
  readonly table: string;
  readonly primaryKey: readonly string[];
  readonly children: readonly CascadingChild[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** "schema.table" → a quoted SQL name; anything else is refused before it reaches SQL. */
export function quoteTable(name: string): string {
  const parts = name.split('.');
  if (parts.length !== 2 || !parts.every((part) => IDENTIFIER.test(part)))
    throw new ReadoutError(ErrorCode.ConfigInvalid, `"${name}" is not a table name of the form schema.table`);
  return parts.map((part) => `"${part}"`).join('.');
}

export function quoteColumn(name: string): string {
  if (!IDENTIFIER.test(name))
    throw new ReadoutError(ErrorCode.ConfigInvalid, `"${name}" is not a column name`);
  return `"${name}"`;
}

/** The table's primary key and the tables that cascade from it, from PostgreSQL's catalog. */
export async function readTableShape(client: pg.ClientBase, table: string): Promise<TableShape> {
  quoteTable(table);
  const key = await client.query<{ column: string }>(
    `SELECT a.attname AS column
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey, a.attnum)`,
    [table],
  );
  if (key.rows.length === 0)
    throw new ReadoutError(
      ErrorCode.ConfigInvalid,
      `${table} has no primary key (Debezium and the archiver need one)`,
    );
  const children = await client.query<{ child: string; columns: string[]; referenced: string[] }>(
    `SELECT c.conrelid::regclass::text AS child,
            array(SELECT attname FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = ANY (c.conkey))::text[] AS columns,
            array(SELECT attname FROM pg_attribute WHERE attrelid = c.confrelid AND attnum = ANY (c.confkey))::text[] AS referenced
       FROM pg_constraint c
      WHERE c.contype = 'f' AND c.confrelid = $1::regclass AND c.confdeltype = 'c'`,
    [table],
  );
  return {
    table,
    primaryKey: key.rows.map((row) => row.column),
    children: children.rows.map(({ child, columns, referenced }) => {
      const [column, references] = [columns[0], referenced[0]];
      if (columns.length !== 1 || column === undefined || references === undefined)
        throw new ReadoutError(
          ErrorCode.ConfigInvalid,
          `${child} cascades from ${table} through a multi-column key: not supported by the archiver`,
        );
      return { table: child.includes('.') ? child : `public.${child}`, column, references };
    }),
  };
}

/** SQL text of a row's key as the projector names it: "col=value,col=value". */
export function rowKeyExpression(primaryKey: readonly string[]): string {
  return primaryKey.map((column) => `'${column}=' || ${quoteColumn(column)}::text`).join(` || ',' || `);
}
