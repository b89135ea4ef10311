import type pg from 'pg';
import type { CaptureNames, SourceFacts, TableFacts } from './source-facts.ts';
import type { TableName } from './table-name.ts';

interface TableRow {
  relkind: string;
  relreplident: string;
  primary_key: string[];
  columns: string[];
  can_select: boolean;
  can_insert: boolean;
  can_delete: boolean;
}

async function inspectTable(
  db: pg.ClientBase,
  name: TableName,
  names: CaptureNames,
  roleExists: boolean,
): Promise<TableFacts> {
  const role = roleExists ? names.role : null;
  const usage = await db.query<{ usage: boolean }>(
    `SELECT coalesce($1::text IS NOT NULL AND has_schema_privilege($1::text, n.oid, 'USAGE'), false) AS usage
     FROM pg_namespace n WHERE n.nspname = $2`,
    [role, name.schema],
  );
  const { rows } = await db.query<TableRow>(
    `SELECT c.relkind::text AS relkind, c.relreplident::text AS relreplident,
       ARRAY(SELECT a.attname::text FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, n), pg_attribute a
             WHERE i.indrelid = c.oid AND i.indisprimary AND a.attrelid = c.oid AND a.attnum = k.attnum
             ORDER BY k.n) AS primary_key,
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
       coalesce($3::text IS NOT NULL AND has_table_privilege($3::text, c.oid, 'SELECT'), false) AS can_select,
       coalesce($3::text IS NOT NULL AND has_table_privilege($3::text, c.oid, 'INSERT'), false) AS can_insert,
       coalesce($3::text IS NOT NULL AND has_table_privilege($3::text, c.oid, 'DELETE'), false) AS can_delete
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2`,
    [name.schema, name.table, role],
  );
  const row = rows[0];
  const published = await db.query<{ filtered: boolean; attnames: string[] }>(
    `SELECT rowfilter IS NOT NULL AS filtered, attnames::text[] AS attnames FROM pg_publication_tables
     WHERE pubname = $1 AND schemaname = $2 AND tablename = $3`,
    [names.publication, name.schema, name.table],
  );
  const membership = published.rows[0];
  const columns = row?.columns ?? [];
  return {
    name,
    kind: row?.relkind ?? null,
    primaryKey: row?.primary_key ?? [],
    replicaIdentity: row?.relreplident ?? null,
    columns,
    published: membership !== undefined,
    publishedPartly:
      membership !== undefined &&
      (membership.filtered || !columns.every((column) => membership.attnames.includes(column))),
    schemaUsage: usage.rows[0]?.usage ?? false,
    canSelect: row?.can_select ?? false,
    canInsert: row?.can_insert ?? false,
    canDelete: row?.can_delete ?? false,
  };
}

/** Asks PostgreSQL everything the checks need (read-only; any role that can read the catalogs). */
export async function inspectPostgres(
  db: pg.ClientBase,
  tables: readonly TableName[],
  names: CaptureNames,
): Promise<SourceFacts> {
  const settings = await db.query<{ wal_level: string; slots: number; senders: number }>(
    `SELECT current_setting('wal_level') AS wal_level, current_setting('max_replication_slots')::int AS slots,
       current_setting('max_wal_senders')::int AS senders`,
  );
  const role = await db.query<{ login: boolean; replication: boolean }>(
    'SELECT rolcanlogin AS login, rolreplication AS replication FROM pg_roles WHERE rolname = $1',
    [names.role],
  );
  const publication = await db.query<{
    allTables: boolean;
    insert: boolean;
    update: boolean;
    delete: boolean;
    truncate: boolean;
  }>(
    `SELECT puballtables AS "allTables", pubinsert AS insert, pubupdate AS update, pubdelete AS delete,
       pubtruncate AS truncate FROM pg_publication WHERE pubname = $1`,
    [names.publication],
  );
  const slot = await db.query<{ active: boolean; walStatus: string | null }>(
    'SELECT active, wal_status AS "walStatus" FROM pg_replication_slots WHERE slot_name = $1',
    [names.slot],
  );
  const roleExists = role.rows[0] !== undefined;
  const facts: TableFacts[] = [];
  for (const table of tables) facts.push(await inspectTable(db, table, names, roleExists));
  const first = settings.rows[0];
  return {
    walLevel: first?.wal_level ?? 'unknown',
    maxReplicationSlots: first?.slots ?? 0,
    maxWalSenders: first?.senders ?? 0,
    role: role.rows[0] ?? null,
    publication: publication.rows[0] ?? null,
    slot: slot.rows[0] ?? null,
    tables: facts,
    signal: await inspectTable(db, names.signal, names, roleExists),
  };
}
