import type pg from 'pg';
import {
  backfillSignalId,
  backfillSignalSql,
  backfillStates,
  describeBackfill,
  doneSignalSql,
  nextBackfillState,
  worthRetrying,
  pendingSignalsSql,
  succeeded,
  tableOfSignal,
  type BackfillState,
  type Notification,
} from './backfill-signals.ts';
import { planConnector, type ConnectorPlan, type ConnectorTemplate } from './connector-config.ts';
import { inspectPostgres } from './inspect-postgres.ts';
import { isRunning, type ConnectorStatus, type KafkaConnect } from './kafka-connect.ts';
import type { CaptureNames } from './source-facts.ts';
import { checkSource, type SourceCheck } from './source-checks.ts';
import { tableName, type TableName } from './table-name.ts';

export interface SourcesCheckDeps {
  /** The admin connection (READOUT_PG_URL): reads the catalogs, and runs the fixes under --apply. */
  readonly db: pg.ClientBase;
  readonly connect: KafkaConnect;
  /**
   * Reads Debezium's notifications from the topic's beginning, in order, until `done(caughtUp)`
   * says so (asked after each one and whenever the reader is at the topic's end).
   */
  readNotifications(
    onNotification: (notification: Notification) => void,
    done: (caughtUp: boolean) => boolean,
  ): Promise<void>;
  /** A line of progress for a person (not part of the report). */
  progress(line: string): void;
  now(): number;
}

export interface SourcesCheckInput {
  readonly template: ConnectorTemplate;
  readonly names: CaptureNames;
  /** The tables the definitions read. */
  readonly tables: readonly TableName[];
  /** The connector's whole configuration, as the definitions want it. */
  readonly desired: Readonly<Record<string, string>>;
  readonly apply: boolean;
  /** Under --apply: wait until every backfill has ended. */
  readonly wait: boolean;
  /** How long to wait for the backfills at most (default an hour); then they are reported unfinished. */
  readonly waitMs?: number;
}

export interface BackfillEntry {
  readonly id: string;
  readonly table: string;
  readonly state: BackfillState;
}

export interface SourcesReport {
  /** PostgreSQL's checks, then the connector's, then the backfills' (as they stand at the end). */
  readonly checks: readonly SourceCheck[];
  /** Statements and actions --apply carried out, in order. */
  readonly applied: readonly string[];
  readonly connector: ConnectorPlan & { readonly name: string; readonly state: string | null };
  readonly backfills: readonly BackfillEntry[];
  readonly ok: boolean;
}

function connectorChecks(name: string, plan: ConnectorPlan, status: ConnectorStatus | null): SourceCheck[] {
  const changes = [
    plan.added.length > 0 ? `start capturing ${plan.added.join(', ')}` : '',
    plan.removed.length > 0 ? `stop capturing ${plan.removed.join(', ')}` : '',
    plan.changedKeys.length > 0 ? `change ${plan.changedKeys.join(', ')}` : '',
  ].filter((part) => part !== '');
  const configured = !plan.create && plan.changedKeys.length === 0;
  return [
    {
      id: 'connector:config',
      ok: configured,
      detail: plan.create
        ? `connector ${name} does not exist: --apply creates it (its first start snapshots every listed table)`
        : configured
          ? `connector ${name} captures exactly the tables the definitions read`
          : `connector ${name} differs from the definitions: --apply would ${changes.join('; ')}${plan.added.length > 0 ? ' (and backfill the rows they hold)' : ''}`,
      sql: [],
      automatic: true,
    },
    {
      id: 'connector:running',
      ok: isRunning(status),
      detail:
        status === null
          ? `connector ${name} is not registered with Kafka Connect`
          : `connector ${name} is ${status.state}, tasks ${status.tasks.map((task) => task.state).join(', ') || 'none'}`,
      sql: [],
      automatic: true,
    },
  ];
}

function backfillCheck(entry: BackfillEntry): SourceCheck {
  return {
    id: `backfill:${entry.table}`,
    ok: succeeded(entry.state),
    detail: describeBackfill(entry.id, entry.state),
    sql: [],
    automatic: true,
  };
}

/**
 * `readout sources check [--apply]`: the source database's checks, the connector against the
 * definitions, and the backfills not yet seen through; under --apply, fixes what it may, updates
 * the connector (stop, configure, resume: no task of the old configuration can take a signal
 * meant for the new one) and asks for a backfill of each table it starts to capture.
 */
export async function runSourcesCheck(
  deps: SourcesCheckDeps,
  input: SourcesCheckInput,
): Promise<SourcesReport> {
  const { db, connect } = deps;
  const name = input.template.name;
  const applied: string[] = [];
  let sourceChecks = checkSource(await inspectPostgres(db, input.tables, input.names), input.names);

  const fixes = sourceChecks.filter((check) => !check.ok && check.automatic).flatMap((check) => check.sql);
  if (input.apply && fixes.length > 0) {
    // One transaction: a fix that fails leaves the database as it was.
    await db.query('BEGIN');
    try {
      for (const statement of fixes) {
        deps.progress(`running: ${statement}`);
        await db.query(statement);
        applied.push(statement);
      }
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK');
      throw error;
    }
    sourceChecks = checkSource(await inspectPostgres(db, input.tables, input.names), input.names);
  }
  const sourceOk = sourceChecks.every((check) => check.ok);
  const signalExists = !sourceChecks.some(
    (check) => check.id.startsWith('signal:') && check.id.endsWith(':exists'),
  );

  let current = await connect.config(name);
  let status = await connect.status(name);
  let plan = planConnector(current, input.desired);

  // Under --apply, the connector changes only once the database holds everything it needs.
  if (input.apply && sourceOk) {
    if (plan.create) {
      // A new connector's first start snapshots every listed table: no backfill to ask for.
      await connect.putConfig(name, input.desired);
      applied.push(`created connector ${name}`);
      await connect.waitFor(name, 'RUNNING', isRunning);
    } else if (plan.changedKeys.length > 0) {
      await connect.stop(name);
      applied.push(`stopped connector ${name}`);
      const requested: string[] = [];
      try {
        await connect.waitFor(name, 'STOPPED', (s) => s?.state === 'STOPPED');
        // Signals written while it is stopped are read by the task with the new table list.
        const pending = new Set(await pendingTables(db, input.names.signal));
        for (const table of plan.added) {
          if (pending.has(table)) continue;
          requested.push(await requestBackfill(db, input.names.signal, tableName(table), deps.now()));
          applied.push(`requested a backfill of ${table}`);
        }
        await connect.putConfig(name, input.desired);
        applied.push(
          `configured connector ${name}: tables ${plan.added.length + plan.removed.length > 0 ? describeTables(plan) : 'unchanged'}`,
        );
      } catch (error) {
        // Capture must not stay stopped: the old configuration resumes, without signals it would
        // take for tables it does not list.
        for (const id of requested)
          await db.query(doneSignalSql(input.names.signal), [id]).catch(() => undefined);
        await connect.resume(name).catch(() => undefined);
        throw error;
      }
      await connect.resume(name);
      await connect.waitFor(name, 'RUNNING', isRunning);
      applied.push(`resumed connector ${name}`);
    } else if (!isRunning(status)) {
      if (status?.state === 'STOPPED' || status?.state === 'PAUSED') {
        await connect.resume(name);
        applied.push(`resumed connector ${name}`);
      }
      // Or starting (UNASSIGNED, RESTARTING: a worker that just came back): give it time.
      await connect.waitFor(name, 'RUNNING', isRunning);
    }
    current = await connect.config(name);
    status = await connect.status(name);
    plan = planConnector(current, input.desired);
  }

  let backfills = signalExists ? await readBackfills(deps, input.names.signal, false) : [];
  if (input.apply && sourceOk) {
    // A backfill that ended without its rows (the table had no key then, a SQL error): again.
    for (const entry of backfills.filter((b) => b.state.phase === 'done' && !succeeded(b.state))) {
      await db.query(doneSignalSql(input.names.signal), [entry.id]);
      await requestBackfill(db, input.names.signal, tableName(entry.table), deps.now());
      applied.push(
        `requested the backfill of ${entry.table} again (the last one ended ${describeBackfill(entry.id, entry.state)})`,
      );
    }
    if (input.wait) backfills = await readBackfills(deps, input.names.signal, true, input.waitMs);
    // One that ended early for a passing reason (the task did not know the table yet): asked for
    // again, a few times, while the connector runs with the table listed.
    for (let attempt = 1; input.wait && attempt <= BACKFILL_ATTEMPTS; attempt += 1) {
      const early = backfills.filter((b) => worthRetrying(b.state));
      if (early.length === 0) break;
      await sleep(RETRY_AFTER_MS * attempt);
      for (const entry of early) {
        await db.query(doneSignalSql(input.names.signal), [entry.id]);
        await requestBackfill(db, input.names.signal, tableName(entry.table), deps.now());
        applied.push(
          `requested the backfill of ${entry.table} again (the last one ended ${describeBackfill(entry.id, entry.state)})`,
        );
      }
      backfills = await readBackfills(deps, input.names.signal, true, input.waitMs);
    }
    // Seen through: forgotten, so that the next run has nothing to wait for.
    for (const entry of backfills.filter((b) => succeeded(b.state)))
      await db.query(doneSignalSql(input.names.signal), [entry.id]);
  }

  const checks = [...sourceChecks, ...connectorChecks(name, plan, status), ...backfills.map(backfillCheck)];
  // Under --apply --no-wait, a backfill on its way is what was asked for; one that failed is not.
  const onItsWay = (check: SourceCheck) =>
    input.apply &&
    !input.wait &&
    backfills.some((b) => check.id === `backfill:${b.table}` && b.state.phase !== 'done');
  const ok = checks.every((check) => check.ok || onItsWay(check));
  return { checks, applied, connector: { ...plan, name, state: status?.state ?? null }, backfills, ok };
}

/** How often a backfill that ended early is asked for again, and the pause before (times the attempt). */
const BACKFILL_ATTEMPTS = 3;
const RETRY_AFTER_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describeTables(plan: ConnectorPlan): string {
  return [...plan.added.map((table) => `+${table}`), ...plan.removed.map((table) => `-${table}`)].join(' ');
}

/** Writes a backfill signal for the table; resolves with its id. */
async function requestBackfill(
  db: pg.ClientBase,
  signal: TableName,
  table: TableName,
  atMs: number,
): Promise<string> {
  const id = backfillSignalId(table, atMs);
  const { text, values } = backfillSignalSql(signal, id, table);
  await db.query(text, values);
  return id;
}

async function pendingIds(db: pg.ClientBase, signal: TableName): Promise<string[]> {
  return (await db.query<{ id: string }>(pendingSignalsSql(signal))).rows.map((row) => row.id);
}

async function pendingTables(db: pg.ClientBase, signal: TableName): Promise<string[]> {
  return (await pendingIds(db, signal)).flatMap((id) => tableOfSignal(id) ?? []);
}

/**
 * The backfills still in the signal table and where each stands. `wait`: reads on until each has
 * ended, reporting progress; otherwise only what the notification topic holds now.
 */
async function readBackfills(
  deps: SourcesCheckDeps,
  signal: TableName,
  wait: boolean,
  waitMs = 3_600_000,
): Promise<BackfillEntry[]> {
  const ids = await pendingIds(deps.db, signal);
  if (ids.length === 0) return [];
  const deadline = deps.now() + waitMs;
  if (wait) for (const id of ids) deps.progress(`waiting for ${tableOfSignal(id) ?? id}'s backfill (${id})`);
  const states = backfillStates(ids, []);
  let lastProgress = 0;
  const allDone = () => [...states.values()].every((state) => state.phase === 'done');
  await deps.readNotifications(
    (notification) => {
      const state = states.get(notification.id);
      if (state === undefined) return;
      const next = nextBackfillState(state, notification);
      states.set(notification.id, next);
      const now = deps.now();
      if (wait && (next.phase === 'done' || now - lastProgress >= 2000)) {
        lastProgress = now;
        deps.progress(describeBackfill(notification.id, next));
      }
    },
    (caughtUp) => (wait ? allDone() || deps.now() >= deadline : caughtUp),
  );
  if (wait && !allDone())
    deps.progress(
      `stopped waiting after ${Math.round(waitMs / 1000)} s: a later check shows where the backfills are`,
    );
  return ids.map((id) => ({
    id,
    table: tableOfSignal(id) ?? id,
    state: states.get(id) ?? { phase: 'waiting' },
  }));
}
