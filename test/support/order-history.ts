import fc from 'fast-check';
import { decimalFromString, type RowEvent } from '../../src/decode/index.ts';
import type { CompiledModel, FoldEvent } from '../../src/projection/index.ts';
import type { SourceRow } from './reference-aggregate.ts';

export const statuses = ['pending', 'paid', 'shipped', 'cancelled'] as const;
export const customers = ['acme', 'globex', 'initech'] as const;
export const BASE_MS = Date.parse('2026-03-28T00:00:00Z'); // Europe/Berlin changes to summer time on the 29th

/**
 * One step of the source's history: an upsert of a row's values, a delete, or a (re-)snapshot
 * that reads every row again. `hiddenDelete` deletes a row just before the snapshot while Debezium
 * is not streaming (e.g. the connector stopped for an offset reset): no event ever says so. `race` marks a change that was in flight when the snapshot before
 * it was taken: its LSN is below the snapshot's, but it committed after (the snapshot missed it).
 */
export type Change =
  | {
      key: number;
      status: (typeof statuses)[number];
      cents: number;
      customer: (typeof customers)[number];
      createdHours: number;
      gapMinutes: number;
      race?: boolean;
    }
  | { key: number; deleted: true; gapMinutes: number; race?: boolean; archival?: boolean }
  | { snapshot: true; gapMinutes: number; hiddenDelete: number | null };

export interface History {
  /**
   * What Debezium emitted, in partition order, with Kafka offsets (re-sends included); archival
   * deletes marked as the cleanup stage marks them.
   */
  readonly events: FoldEvent[];
  /** The rows as the database holds them at the end. */
  readonly finalRows: Map<number, SourceRow>;
  /** Rows removed by archival deletes, as they were when archived. */
  readonly archivedRows: SourceRow[];
  /** Per real change: the row before and after, and the commit time (for the flow oracle). */
  readonly steps: Array<{ before: SourceRow | null; after: SourceRow | null; commitMs: number }>;
}

export function amountText(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

type WithoutRecord<T> = T extends unknown ? Omit<T, 'record'> & { archival?: boolean } : never;

function rowValues(row: SourceRow, key: number) {
  return { id: BigInt(key), ...row, amount: decimalFromString(row.amount ?? '0') ?? null };
}

/**
 * Emits the history as Debezium would: streamed changes in commit order, snapshots as one read
 * per row, and `resends` ([after step, how many streamed events back]) as Kafka Connect re-sending
 * what it had not flushed before a crash: the same events again, at new offsets, never reaching
 * back past the last snapshot (a snapshot that was not flushed is taken again instead).
 */
export function buildHistory(
  changes: readonly Change[],
  resends: ReadonlyArray<readonly [number, number]> = [],
): History {
  const rows = new Map<number, SourceRow>();
  const events: FoldEvent[] = [];
  const archivedRows: SourceRow[] = [];
  const steps: History['steps'] = [];
  let commitMs = BASE_MS;
  let lsn = 1000n;
  let snapshotLsn: bigint | null = null;
  let lastSnapshotEnd = 0;
  const emit = (event: WithoutRecord<RowEvent>) => {
    events.push({
      ...event,
      record: { topic: 'readout.public.orders', partition: 0, offset: String(events.length) },
    });
  };
  changes.forEach((change, index) => {
    commitMs += change.gapMinutes * 60_000;
    lsn += 8n;
    if ('snapshot' in change) {
      const existing = [...rows].sort((a, b) => a[0] - b[0]);
      // A hidden delete needs a non-empty snapshot after it, or nothing could ever tell.
      if (change.hiddenDelete !== null && existing.length >= 2) {
        const [removed] = existing.splice(change.hiddenDelete % existing.length, 1);
        if (removed) {
          rows.delete(removed[0]);
          steps.push({ before: removed[1], after: null, commitMs });
        }
      }
      existing.forEach(([key, row], position) => {
        const marker = position === existing.length - 1 ? 'last' : position === 0 ? 'first' : 'true';
        const source = { lsn, txId: 1n, commitTimeMs: BigInt(commitMs), snapshot: marker, origin: null };
        emit({
          kind: 'read',
          table: 'public.orders',
          rowKey: `id=${key}`,
          source,
          columnTypes: null,
          after: rowValues(row, key),
        });
      });
      snapshotLsn = lsn;
      lastSnapshotEnd = events.length;
    } else {
      // A transaction racing the snapshot before it: LSN below the snapshot's, committed after it.
      const changeLsn =
        change.race && snapshotLsn !== null && events.length === lastSnapshotEnd ? snapshotLsn - 4n : lsn;
      const source = {
        lsn: changeLsn,
        txId: BigInt(500 + index),
        commitTimeMs: BigInt(commitMs),
        snapshot: null,
        origin: null,
      };
      const base = { table: 'public.orders', rowKey: `id=${change.key}`, source, columnTypes: null };
      const before = rows.get(change.key) ?? null;
      if ('deleted' in change) {
        rows.delete(change.key);
        if (change.archival && before) archivedRows.push(before);
        emit({ kind: 'delete', ...base, before: null, ...(change.archival ? { archival: true } : {}) });
        steps.push({ before, after: null, commitMs });
      } else {
        const createdAt = new Date(BASE_MS + change.createdHours * 3_600_000).toISOString();
        const row: SourceRow = {
          status: change.status,
          amount: amountText(change.cents),
          customer: change.customer,
          created_at: createdAt,
        };
        rows.set(change.key, row);
        emit(
          before
            ? { kind: 'update', ...base, before: null, after: rowValues(row, change.key) }
            : { kind: 'create', ...base, after: rowValues(row, change.key) },
        );
        steps.push({ before, after: row, commitMs });
      }
    }
    for (const [at, back] of resends) {
      if (at !== index) continue;
      const from = Math.max(lastSnapshotEnd, events.length - back);
      for (const event of events.slice(from)) if (event.kind !== 'read') emit(event);
    }
  });
  return { events, finalRows: rows, archivedRows, steps };
}

/** The rows a model's aggregates must equal: under "keep", archived rows still count. */
export function rowsKeptBy(history: History, model: CompiledModel): SourceRow[] {
  const live = [...history.finalRows.values()];
  return model.archive === 'keep' ? [...live, ...history.archivedRows] : live;
}

const upsert = fc.record({
  key: fc.integer({ min: 0, max: 5 }),
  status: fc.constantFrom(...statuses),
  cents: fc.integer({ min: 0, max: 50_000 }),
  customer: fc.constantFrom(...customers),
  createdHours: fc.integer({ min: 0, max: 120 }),
  gapMinutes: fc.integer({ min: 0, max: 600 }),
  race: fc.boolean(),
});
const deletion = fc.record({
  key: fc.integer({ min: 0, max: 5 }),
  deleted: fc.constant(true as const),
  gapMinutes: fc.integer({ min: 0, max: 600 }),
  race: fc.boolean(),
  archival: fc.boolean(),
});
const snapshot = fc.record({
  snapshot: fc.constant(true as const),
  gapMinutes: fc.integer({ min: 0, max: 60 }),
  hiddenDelete: fc.option(fc.nat(10), { nil: null }),
});

export const change: fc.Arbitrary<Change> = fc.oneof(
  { weight: 8, arbitrary: upsert },
  { weight: 2, arbitrary: deletion },
  { weight: 1, arbitrary: snapshot },
);

/**
 * A history, Connect re-sends, consumer replays and batch sizes: everything at-least-once delivery
 * can do to one partition.
 */
export const delivery = fc
  .array(change, { minLength: 1, maxLength: 40 })
  .chain((changes) =>
    fc.tuple(
      fc.constant(changes),
      fc.array(fc.tuple(fc.nat(changes.length - 1), fc.integer({ min: 1, max: 6 })), { maxLength: 3 }),
      fc.array(fc.tuple(fc.nat(60), fc.nat(60), fc.nat(70)), { maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 10 }),
    ),
  );

/**
 * Kafka keeps a partition's order; a consumer that restarts reads a stretch again from its last
 * committed offset. So a replay of events[from..to) goes somewhere after the first delivery of
 * events[to - 1], never before it, with the same offsets.
 */
export function deliver(
  events: FoldEvent[],
  replays: ReadonlyArray<readonly [number, number, number]>,
): FoldEvent[] {
  let delivered = [...events];
  if (events.length === 0) return delivered;
  for (const [a, b, at] of replays) {
    const from = Math.min(a, b) % events.length;
    const to = (Math.max(a, b) % events.length) + 1;
    if (from >= to) continue;
    const lastOriginal = delivered.indexOf(events[to - 1] as FoldEvent);
    const insertAt = Math.max(at % (delivered.length + 1), lastOriginal + 1);
    delivered = [...delivered.slice(0, insertAt), ...events.slice(from, to), ...delivered.slice(insertAt)];
  }
  return delivered;
}
