import { sqlTable, tablePattern, type TableName } from './table-name.ts';

/**
 * Backfills through Debezium's signal table. A backfill is one `execute-snapshot` row Readout
 * inserts (an incremental snapshot of one table, read in key order while changes keep
 * streaming); Debezium reports its progress and its end on the notification topic, under the
 * signal's id. The row stays in the signal table until Readout has seen the end: a row there is a
 * backfill not yet seen through, which survives an interrupted `--apply`.
 */

const PREFIX = 'readout-backfill:';

/** `readout-backfill:<schema.table>:<ms>`: the table, and a new id each time it is asked for. */
export function backfillSignalId(table: TableName, atMs: number): string {
  return `${PREFIX}${table.qualified}:${atMs}`;
}

/** The table a backfill signal asks for (null: not one of Readout's). */
export function tableOfSignal(id: string): string | null {
  if (!id.startsWith(PREFIX)) return null;
  const rest = id.slice(PREFIX.length);
  const at = rest.lastIndexOf(':');
  return at <= 0 ? null : rest.slice(0, at);
}

/** The INSERT that asks Debezium for an incremental snapshot of `table`. */
export function backfillSignalSql(
  signal: TableName,
  id: string,
  table: TableName,
): { text: string; values: string[] } {
  return {
    text: `INSERT INTO ${sqlTable(signal)} (id, type, data) VALUES ($1, 'execute-snapshot', $2)`,
    values: [id, JSON.stringify({ 'data-collections': [tablePattern(table)], type: 'incremental' })],
  };
}

/** Readout's backfill signals still in the signal table. */
export function pendingSignalsSql(signal: TableName): string {
  return `SELECT id FROM ${sqlTable(signal)} WHERE id LIKE '${PREFIX}%' ORDER BY id`;
}

/** Forgets a backfill Readout has seen through. */
export function doneSignalSql(signal: TableName): string {
  return `DELETE FROM ${sqlTable(signal)} WHERE id = $1`;
}

/** One of Debezium's notifications (`notification.enabled.channels=sink`). */
export interface Notification {
  readonly id: string;
  /** STARTED, IN_PROGRESS, TABLE_SCAN_COMPLETED, COMPLETED, ABORTED, PAUSED, RESUMED, SKIPPED, … */
  readonly type: string;
  /** "Incremental Snapshot", "Initial Snapshot", … */
  readonly aggregateType: string;
  readonly data: Readonly<Record<string, string>>;
}

function strings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') out[key] = item;
  return out;
}

/** A notification record's value (with or without the JsonConverter's schema wrapper), or null. */
export function parseNotification(text: string | null): Notification | null {
  if (text === null) return null;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof document !== 'object' || document === null) return null;
  const body = ('payload' in document && 'schema' in document ? document.payload : document) as Record<
    string,
    unknown
  > | null;
  if (typeof body !== 'object' || body === null) return null;
  const { id, type, aggregate_type: aggregateType } = body;
  if (typeof id !== 'string' || typeof type !== 'string' || typeof aggregateType !== 'string') return null;
  return { id, type, aggregateType, data: strings(body.additional_data) };
}

/** Where one backfill stands, from its notifications. */
export type BackfillState =
  | { readonly phase: 'waiting' }
  | { readonly phase: 'running'; readonly lastKey: string | null; readonly maximumKey: string | null }
  | { readonly phase: 'done'; readonly status: string; readonly rows: number | null };

/** Statuses after which the table's rows are all in the topic (EMPTY: it had none). */
export const BACKFILL_SUCCEEDED = ['SUCCEEDED', 'EMPTY'] as const;

/**
 * Statuses of a backfill that ended early for a passing reason, worth asking for again:
 * UNKNOWN_SCHEMA is Debezium's task reading the signal before it knew the newly listed table's
 * schema (seen right after the connector resumed with the table added; dbz#1638).
 */
export const BACKFILL_RETRIED = ['UNKNOWN_SCHEMA'] as const;

export function worthRetrying(state: BackfillState): boolean {
  return state.phase === 'done' && (BACKFILL_RETRIED as readonly string[]).includes(state.status);
}

export function succeeded(state: BackfillState): boolean {
  return state.phase === 'done' && (BACKFILL_SUCCEEDED as readonly string[]).includes(state.status);
}

/** The next state of a backfill after one of its notifications (they come in order). Pure. */
export function nextBackfillState(state: BackfillState, notification: Notification): BackfillState {
  if (state.phase === 'done') return state;
  switch (notification.type) {
    case 'STARTED':
      return { phase: 'running', lastKey: null, maximumKey: null };
    case 'IN_PROGRESS':
      return {
        phase: 'running',
        lastKey: notification.data.last_processed_key ?? null,
        maximumKey: notification.data.maximum_key ?? null,
      };
    case 'TABLE_SCAN_COMPLETED': {
      const rows = Number(notification.data.total_rows_scanned);
      return {
        phase: 'done',
        status: notification.data.status ?? 'UNKNOWN',
        rows: Number.isSafeInteger(rows) ? rows : null,
      };
    }
    // Stopped by a stop-snapshot signal, or a COMPLETED without a scan of the table.
    case 'ABORTED':
    case 'COMPLETED':
      return { phase: 'done', status: notification.type, rows: null };
    default:
      return state;
  }
}

/** The states of the given backfills after reading notifications in order. Pure. */
export function backfillStates(
  ids: readonly string[],
  notifications: Iterable<Notification>,
): Map<string, BackfillState> {
  const states = new Map<string, BackfillState>(ids.map((id) => [id, { phase: 'waiting' }]));
  for (const notification of notifications) {
    const state = states.get(notification.id);
    if (state !== undefined) states.set(notification.id, nextBackfillState(state, notification));
  }
  return states;
}

export function describeBackfill(id: string, state: BackfillState): string {
  const table = tableOfSignal(id) ?? id;
  switch (state.phase) {
    case 'waiting':
      return `backfill of ${table}: requested, not started yet (${id})`;
    case 'running':
      return `backfill of ${table}: reading${state.lastKey === null ? '' : `, at key ${state.lastKey}${state.maximumKey === null ? '' : ` of ${state.maximumKey}`}`}`;
    case 'done':
      return `backfill of ${table}: ${state.status}${state.rows === null ? '' : `, ${state.rows} rows read`}`;
  }
}
