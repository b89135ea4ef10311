import pg from 'pg';
import type { ReadoutConfig } from '../config/index.ts';
import {
  SOURCES_FILE,
  columnReferences,
  loadDefinitions,
  loadSources,
  missingColumns,
} from '../definitions/index.ts';
import { ErrorCode, ReadoutError, describeError } from '../errors/index.ts';
import type { Logger } from '../log/logger.ts';

/** How long the check waits for PostgreSQL before leaving the columns to the first events. */
const CONNECT_TIMEOUT_MS = 3000;

/** Each table's columns, as PostgreSQL has them now ("schema.table" → names in table order). */
async function readColumns(url: string, tables: readonly string[]): Promise<Map<string, string[]>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined); // a connection lost after the query is no concern here
  await client.connect();
  try {
    const { rows } = await client.query<{ table: string; column: string }>(
      `SELECT table_schema || '.' || table_name AS table, column_name AS column
         FROM information_schema.columns
        WHERE table_schema || '.' || table_name = ANY($1)
        ORDER BY table_schema, table_name, ordinal_position`,
      [tables],
    );
    const columns = new Map<string, string[]>();
    for (const { table, column } of rows) columns.set(table, [...(columns.get(table) ?? []), column]);
    return columns;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Refuses, before anything is consumed, read-model definitions that name a column their table
 * does not have (naming the file and the field), when PostgreSQL (READOUT_PG_URL) answers. When
 * it does not, or does not have the table (yet), nothing is refused here: a model whose columns
 * are missing from its table's change events stops at the first one (SOURCE_SCHEMA_CHANGED).
 */
export async function checkSourceColumns(config: ReadoutConfig, logger: Logger): Promise<void> {
  const loaded = loadDefinitions(config.readModelsDir);
  const references = columnReferences(loaded, loadSources(config.readModelsDir), SOURCES_FILE);
  const tables = [...new Set(references.map((reference) => reference.table))];
  let columns: Map<string, string[]>;
  try {
    columns = await readColumns(config.postgres.url, tables);
  } catch (error) {
    logger.info(
      { err: describeError(error) },
      "PostgreSQL (READOUT_PG_URL) did not answer: the read models' columns are checked against each table's first change event",
    );
    return;
  }
  const problems = missingColumns(references, (table) => columns.get(table) ?? null);
  if (problems.length > 0)
    throw new ReadoutError(
      ErrorCode.ConfigInvalid,
      `Read-model definitions name columns their tables do not have:\n  ${problems.join('\n  ')}`,
      { details: { problems } },
    );
}
