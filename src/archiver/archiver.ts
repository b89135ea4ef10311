import type pg from 'pg';
import { ErrorCode, ReadoutError, describeError } from '../errors/index.ts';
import { createPacing } from './pacing.ts';
import { quoteColumn, quoteTable, readTableShape, rowKeyExpression, type TableShape } from './table-shape.ts';

export interface ArchivePlan {
  readonly table: string;
  /** Rows whose `column` is older than `olderThanMs` before now are archived. */
  readonly column: string;
  readonly olderThanMs: number;
  readonly batchSize: number;
  /** Live changes committed during the purge should be applied within about this (see pacing.ts). */
  readonly maxLagMs: number;
  /** Where the rows go (created like the table when missing); children go to "<child>_archive". */
  readonly archiveTable: string;
  /** The replication origin that tags the archiver's transactions (one archiver per origin at a time). */
  readonly origin: string;
}

export interface ArchiveProgress {
  readonly rows: number;
  readonly childRows: number;
  /** Rows that matched when the run started. */
  readonly total: number;
  readonly rowsPerSecond: number;
  readonly secondsLeft: number | null;
  /** How long ago the oldest batch the projector has not applied yet was committed (null: not measured). */
  readonly lagMs: number | null;
  readonly waiting: boolean;
}

export interface DryRun {
  readonly shape: TableShape;
  readonly cutoff: string;
  readonly rows: number;
  readonly oldest: string | null;
  readonly newest: string | null;
  readonly childRows: Readonly<Record<string, number>>;
  readonly batches: number;
}

export interface ArchiverDeps {
  readonly client: pg.ClientBase;
  /** Has the projector applied the deletes of these rows? (Null: nobody reads the table; no throttle.) */
  readonly applied: ((rowKeys: readonly string[]) => Promise<boolean>) | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Archives rows in batches, one transaction each: the rows (and their ON DELETE CASCADE children)
 * are copied to the archive tables and deleted together, under a replication origin that tells the
 * projector these deletes are archival. A batch is all or nothing, so an interrupted run loses and
 * duplicates nothing, and running again resumes. It paces itself on how long the projector takes
 * to apply its batches (see pacing.ts), so live changes behind them wait at most about the bound.
 */
export function createArchiver({ client, applied }: ArchiverDeps) {
  async function cutoffOf(plan: ArchivePlan): Promise<string> {
    const { rows } = await client.query<{ cutoff: string }>(
      `SELECT (now() - make_interval(secs => $1::double precision / 1000))::text AS cutoff`,
      [plan.olderThanMs],
    );
    return rows[0]?.cutoff ?? '';
  }

  async function count(plan: ArchivePlan, shape: TableShape, cutoff: string): Promise<DryRun> {
    const table = quoteTable(plan.table);
    const column = quoteColumn(plan.column);
    const { rows } = await client.query<{ rows: string; oldest: string | null; newest: string | null }>(
      `SELECT count(*)::text AS rows, min(${column})::text AS oldest, max(${column})::text AS newest
         FROM ${table} WHERE ${column} < $1`,
      [cutoff],
    );
    const childRows: Record<string, number> = {};
    for (const child of shape.children) {
      const result = await client.query<{ rows: string }>(
        `SELECT count(*)::text AS rows FROM ${quoteTable(child.table)}
          WHERE ${quoteColumn(child.column)} IN (SELECT ${quoteColumn(child.references)} FROM ${table} WHERE ${column} < $1)`,
        [cutoff],
      );
      childRows[child.table] = Number(result.rows[0]?.rows ?? 0);
    }
    const matched = Number(rows[0]?.rows ?? 0);
    return {
      shape,
      cutoff,
      rows: matched,
      oldest: rows[0]?.oldest ?? null,
      newest: rows[0]?.newest ?? null,
      childRows,
      batches: Math.ceil(matched / plan.batchSize),
    };
  }

  async function prepare(plan: ArchivePlan): Promise<TableShape> {
    const shape = await readTableShape(client, plan.table);
    const create = (target: string, like: string) =>
      client.query(
        `CREATE TABLE IF NOT EXISTS ${quoteTable(target)} (LIKE ${quoteTable(like)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`,
      );
    await create(plan.archiveTable, plan.table);
    for (const child of shape.children) await create(`${child.table}_archive`, child.table);
    try {
      await client.query(
        `SELECT pg_replication_origin_create($1) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_origin WHERE roname = $1)`,
        [plan.origin],
      );
      await client.query('SELECT pg_replication_origin_session_setup($1)', [plan.origin]);
    } catch (error) {
      throw new ReadoutError(
        ErrorCode.DependencyUnavailable,
        `cannot tag the archiver's transactions with replication origin "${plan.origin}": ${describeError(error)} ` +
          '(it needs a superuser or GRANT EXECUTE on pg_replication_origin_create/_session_setup/_xact_setup, and no other archiver using the origin)',
        { cause: error },
      );
    }
    return shape;
  }

  /** One batch in one transaction; returns the archived rows' keys (none: nothing left). */
  async function archiveBatch(
    plan: ArchivePlan,
    shape: TableShape,
    cutoff: string,
  ): Promise<{ keys: string[]; childRows: number }> {
    const table = quoteTable(plan.table);
    await client.query('BEGIN');
    try {
      // Without an origin timestamp the commit would carry time 0 (Debezium's ts_ms: the epoch).
      await client.query(`SELECT pg_replication_origin_xact_setup('0/0', now())`);
      const chosen = await client.query<{ ctid: string }>(
        `SELECT ctid::text FROM ${table} WHERE ${quoteColumn(plan.column)} < $1
          ORDER BY ${quoteColumn(plan.column)} LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [cutoff, plan.batchSize],
      );
      const ctids = chosen.rows.map((row) => row.ctid);
      if (ctids.length === 0) {
        await client.query('ROLLBACK');
        return { keys: [], childRows: 0 };
      }
      let childRows = 0;
      for (const child of shape.children) {
        const moved = await client.query(
          `WITH moved AS (
             DELETE FROM ${quoteTable(child.table)} WHERE ${quoteColumn(child.column)} IN
               (SELECT ${quoteColumn(child.references)} FROM ${table} WHERE ctid = ANY ($1::tid[]))
             RETURNING *)
           INSERT INTO ${quoteTable(`${child.table}_archive`)} SELECT * FROM moved`,
          [ctids],
        );
        childRows += moved.rowCount ?? 0;
      }
      const moved = await client.query<{ row_key: string }>(
        `WITH moved AS (DELETE FROM ${table} WHERE ctid = ANY ($1::tid[]) RETURNING *),
              saved AS (INSERT INTO ${quoteTable(plan.archiveTable)} SELECT * FROM moved)
         SELECT ${rowKeyExpression(shape.primaryKey)} AS row_key FROM moved`,
        [ctids],
      );
      await client.query('COMMIT');
      return { keys: moved.rows.map((row) => row.row_key), childRows };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  return {
    async dryRun(plan: ArchivePlan): Promise<DryRun> {
      return await count(plan, await readTableShape(client, plan.table), await cutoffOf(plan));
    },

    async run(
      plan: ArchivePlan,
      onProgress: (progress: ArchiveProgress) => void,
      shouldStop: () => boolean,
    ): Promise<ArchiveProgress & { readonly stopped: boolean }> {
      const shape = await prepare(plan);
      const cutoff = await cutoffOf(plan);
      const { rows: total } = await count(plan, shape, cutoff);
      const started = Date.now();
      const unconfirmed: Array<{ keys: string[]; committedAt: number }> = [];
      let rows = 0;
      let childRows = 0;
      const progress = (lagMs: number | null, waiting: boolean): ArchiveProgress => {
        const seconds = (Date.now() - started) / 1000;
        const rowsPerSecond = seconds > 0 ? rows / seconds : 0;
        const left = Math.max(0, total - rows);
        return {
          rows,
          childRows,
          total,
          rowsPerSecond,
          secondsLeft: rowsPerSecond > 0 ? left / rowsPerSecond : null,
          lagMs,
          waiting,
        };
      };
      const pacing = createPacing(plan.maxLagMs);
      /** How far behind the projector is on the archiver's own batches (ms), after dropping applied ones. */
      const lag = async (): Promise<number | null> => {
        if (!applied) return null;
        while (unconfirmed.length > 0 && (await applied(unconfirmed[0]?.keys ?? []))) {
          pacing.applied(Date.now() - (unconfirmed.shift()?.committedAt ?? Date.now()));
        }
        return unconfirmed.length === 0 ? 0 : Date.now() - (unconfirmed[0]?.committedAt ?? Date.now());
      };
      const mustWait = (behind: number | null) =>
        behind !== null && (behind > plan.maxLagMs || unconfirmed.length >= pacing.window);
      while (!shouldStop()) {
        let behind = await lag();
        while (mustWait(behind) && !shouldStop()) {
          onProgress(progress(behind, true));
          await sleep(50);
          behind = await lag();
        }
        if (shouldStop()) break;
        const batch = await archiveBatch(plan, shape, cutoff);
        if (batch.keys.length === 0) break;
        rows += batch.keys.length;
        childRows += batch.childRows;
        unconfirmed.push({ keys: batch.keys, committedAt: Date.now() });
        onProgress(progress(behind, false));
      }
      return { ...progress(await lag(), false), stopped: shouldStop() };
    },
  };
}

export type Archiver = ReturnType<typeof createArchiver>;
