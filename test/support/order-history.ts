import fc from 'fast-check';
import { decimalFromString, type RowEvent } from '../../src/decode/index.js';
import type { SourceRow } from './reference-aggregate.js';

export const statuses = ['pending', 'paid', 'shipped', 'cancelled'] as const;
export const customers = ['acme', 'globex', 'initech'] as const;
export const BASE_MS = Date.parse('2026-03-28T00:00:00Z'); // Europe/Berlin changes to summer time on the 29th

/** One true change in the source's history: an upsert of a row's values, or a delete. */
export type Change =
  | {
      key: number;
      status: (typeof statuses)[number];
      cents: number;
      customer: (typeof customers)[number];
      createdHours: number;
      gapMinutes: number;
    }
  | { key: number; deleted: true; gapMinutes: number };

export interface History {
  readonly events: RowEvent[];
  /** The rows as the database holds them at the end. */
  readonly finalRows: Map<number, SourceRow>;
  /** Per change: the row before and after, and the commit time (for the flow oracle). */
  readonly steps: Array<{ before: SourceRow | null; after: SourceRow | null; commitMs: number }>;
}

export function amountText(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

export function buildHistory(changes: readonly Change[]): History {
  const rows = new Map<number, SourceRow>();
  const events: RowEvent[] = [];
  const steps: History['steps'] = [];
  let commitMs = BASE_MS;
  changes.forEach((change, index) => {
    commitMs += change.gapMinutes * 60_000;
    const base = {
      record: { topic: 'readout.public.orders', partition: 0, offset: String(index) },
      table: 'public.orders',
      rowKey: `id=${change.key}`,
      source: {
        lsn: BigInt(1000 + index * 8),
        txId: BigInt(500 + index),
        commitTimeMs: BigInt(commitMs),
        snapshot: null,
        origin: null,
      },
    };
    const before = rows.get(change.key) ?? null;
    if ('deleted' in change) {
      rows.delete(change.key);
      events.push({ kind: 'delete', ...base, before: null });
      steps.push({ before, after: null, commitMs });
      return;
    }
    const amount = amountText(change.cents);
    const createdAt = new Date(BASE_MS + change.createdHours * 3_600_000).toISOString();
    const row: SourceRow = {
      status: change.status,
      amount,
      customer: change.customer,
      created_at: createdAt,
    };
    rows.set(change.key, row);
    const after = { id: BigInt(change.key), ...row, amount: decimalFromString(amount) ?? null };
    events.push(
      before ? { kind: 'update', ...base, before: null, after } : { kind: 'create', ...base, after },
    );
    steps.push({ before, after: row, commitMs });
  });
  return { events, finalRows: rows, steps };
}

export const change: fc.Arbitrary<Change> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      key: fc.integer({ min: 0, max: 5 }),
      status: fc.constantFrom(...statuses),
      cents: fc.integer({ min: 0, max: 50_000 }),
      customer: fc.constantFrom(...customers),
      createdHours: fc.integer({ min: 0, max: 120 }),
      gapMinutes: fc.integer({ min: 0, max: 600 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      key: fc.integer({ min: 0, max: 5 }),
      deleted: fc.constant(true as const),
      gapMinutes: fc.integer({ min: 0, max: 600 }),
    }),
  },
);

/** At-least-once delivery: the history in order, with earlier stretches delivered again later, in any batching. */
export const delivery = fc.array(change, { minLength: 1, maxLength: 40 }).chain((changes) =>
  fc.tuple(
    fc.constant(changes),
    fc.array(fc.tuple(fc.nat(changes.length - 1), fc.nat(changes.length - 1), fc.nat(changes.length)), {
      maxLength: 6,
    }),
    fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 10 }),
  ),
);

/**
 * Kafka keeps a partition's order; what at-least-once adds is redelivery of a stretch that was
 * already delivered. So a replay of events[from..to) goes somewhere after the first delivery of
 * events[to - 1], never before it.
 */
export function deliver(events: RowEvent[], replays: Array<[number, number, number]>): RowEvent[] {
  let delivered = [...events];
  for (const [a, b, at] of replays) {
    const from = Math.min(a, b);
    const to = Math.max(a, b) + 1;
    const lastOriginal = delivered.indexOf(events[to - 1] as RowEvent);
    const insertAt = Math.max(at, lastOriginal + 1);
    delivered = [...delivered.slice(0, insertAt), ...events.slice(from, to), ...delivered.slice(insertAt)];
  }
  return delivered;
}
