import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RowEvent } from '../../src/decode/index.js';
import { decimalFromString } from '../../src/decode/index.js';
import { fieldName, foldBatch, ordersByStatus, type StoredRow } from '../../src/projection/index.js';

const statuses = ['pending', 'paid', 'shipped'] as const;

/** One true change in the source's history for a row: an upsert of (status, amount) or a delete. */
type Change =
  { key: number; status: (typeof statuses)[number]; cents: number } | { key: number; deleted: true };

function toEvents(history: readonly Change[]): RowEvent[] {
  const exists = new Set<number>();
  return history.map((change, index) => {
    const base = {
      record: { topic: 't', partition: 0, offset: String(index) },
      table: 'public.orders',
      rowKey: `id=${change.key}`,
      source: {
        lsn: BigInt(1000 + index * 8),
        txId: BigInt(index),
        commitTimeMs: 0n,
        snapshot: null,
        origin: null,
      },
    };
    if ('deleted' in change) {
      exists.delete(change.key);
      return { kind: 'delete', ...base, before: null };
    }
    const amount = decimalFromString((change.cents / 100).toFixed(2));
    if (!amount) throw new Error('bad amount');
    const after = { id: BigInt(change.key), status: change.status, amount };
    const kind = exists.has(change.key) ? 'update' : 'create';
    exists.add(change.key);
    return kind === 'update' ? { kind, ...base, before: null, after } : { kind, ...base, after };
  });
}

/** The aggregate a fresh GROUP BY over the final rows would give. */
function expectedAggregate(history: readonly Change[]): Map<string, bigint> {
  const finalRows = new Map<number, Change>();
  for (const change of history) finalRows.set(change.key, change);
  const aggregate = new Map<string, bigint>();
  const add = (field: string, value: bigint) => aggregate.set(field, (aggregate.get(field) ?? 0n) + value);
  for (const change of finalRows.values()) {
    if ('deleted' in change) continue;
    add(fieldName('count', change.status), 1n);
    add(fieldName('revenue', change.status), BigInt(change.cents));
  }
  // The store keeps no zero fields (a zero revenue reads back as "0").
  for (const [field, value] of aggregate) if (value === 0n) aggregate.delete(field);
  return aggregate;
}

/** What the Redis store does with a fold: remember rows, add deltas, drop fields back at zero. */
function applyToStore(
  stored: Map<string, StoredRow>,
  aggregate: Map<string, bigint>,
  events: RowEvent[],
): void {
  const fold = foldBatch(ordersByStatus, events, stored);
  for (const [key, write] of fold.rows) {
    expect(write.expectedLsn).toBe(stored.get(key)?.lsn ?? null);
    stored.set(key, write.next);
  }
  for (const [field, delta] of fold.deltas) {
    const value = (aggregate.get(field) ?? 0n) + delta;
    if (value === 0n) aggregate.delete(field);
    else aggregate.set(field, value);
  }
}

const change = fc.oneof(
  fc.record({
    key: fc.integer({ min: 0, max: 4 }),
    status: fc.constantFrom(...statuses),
    cents: fc.integer({ min: 0, max: 10_000_000 }),
  }),
  fc.record({ key: fc.integer({ min: 0, max: 4 }), deleted: fc.constant(true as const) }),
);

/** At-least-once delivery: the history in order, with earlier stretches delivered again later. */
const delivery = fc.array(change, { minLength: 1, maxLength: 40 }).chain((history) =>
  fc.tuple(
    fc.constant(history),
    fc.array(fc.tuple(fc.nat(history.length - 1), fc.nat(history.length - 1), fc.nat(history.length)), {
      maxLength: 6,
    }),
    fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
  ),
);

describe('foldBatch', () => {
  it('converges to a fresh GROUP BY under duplicates, replays and any batching', () => {
    fc.assert(
      fc.property(delivery, ([history, replays, batchSizes]) => {
        const events = toEvents(history);
        let delivered: RowEvent[] = [...events];
        for (const [a, b, at] of replays) {
          // Replay events[from..to) after the point where the original `to` was delivered.
          const from = Math.min(a, b);
          const to = Math.max(a, b) + 1;
          const insertAt = Math.max(at, to);
          delivered = [
            ...delivered.slice(0, insertAt),
            ...events.slice(from, to),
            ...delivered.slice(insertAt),
          ];
        }
        const stored = new Map<string, StoredRow>();
        const aggregate = new Map<string, bigint>();
        let position = 0;
        for (let i = 0; position < delivered.length; i += 1) {
          const size = batchSizes[i % batchSizes.length] ?? 1;
          applyToStore(stored, aggregate, delivered.slice(position, position + size));
          position += size;
        }
        expect(aggregate).toEqual(expectedAggregate(history));
      }),
      { numRuns: 500 },
    );
  });

  it('ignores a whole batch applied twice', () => {
    const events = toEvents([
      { key: 1, status: 'paid', cents: 1050 },
      { key: 1, status: 'shipped', cents: 1050 },
      { key: 2, status: 'paid', cents: 1 },
    ]);
    const stored = new Map<string, StoredRow>();
    const aggregate = new Map<string, bigint>();
    applyToStore(stored, aggregate, events);
    const again = foldBatch(ordersByStatus, events, stored);
    expect(again.rows.size).toBe(0);
    expect(again.deltas.size).toBe(0);
    expect(again.duplicates).toBe(3);
    expect(aggregate).toEqual(
      new Map([
        ['count:shipped', 1n],
        ['revenue:shipped', 1050n],
        ['count:paid', 1n],
        ['revenue:paid', 1n],
      ]),
    );
  });

  it('rejects a row whose amount is a float, naming the reason, and applies the rest', () => {
    const [good] = toEvents([{ key: 1, status: 'paid', cents: 100 }]);
    if (!good || good.kind !== 'create') throw new Error('fixture');
    const bad: RowEvent = { ...good, rowKey: 'id=2', after: { ...good.after, amount: 1.5 } };
    const fold = foldBatch(ordersByStatus, [good, bad], new Map());
    expect(fold.applied).toBe(1);
    expect(fold.rejected.map((r) => r.reason)).toEqual([
      'amount arrived as a float (decimal.handling.mode=double is inexact): use precise or string',
    ]);
  });
});
