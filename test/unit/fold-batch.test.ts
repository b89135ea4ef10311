import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RowEvent } from '../../src/decode/index.ts';
import { readModelDefinition, type ReadModelDefinition } from '../../src/definitions/index.ts';
import {
  bucketOf,
  compileModel,
  foldBatch,
  snapshotSweep,
  splitAtSnapshotEnds,
  type CompiledModel,
  type FoldEvent,
} from '../../src/projection/index.ts';
import { everyMeasureModel, hourAndBandModel } from '../support/demo-models.ts';
import { MemoryStore } from '../support/memory-store.ts';
import { buildHistory, deliver, delivery, rowsKeptBy, type History } from '../support/order-history.ts';
import { referenceAggregate } from '../support/reference-aggregate.ts';

const byStatus = everyMeasureModel('by_status');
const byStatusRetracting = everyMeasureModel('by_status_now', { archive: 'retract' });
const byHourAndBand = hourAndBandModel('by_hour_and_band');
const shippedPerMinute = compileModel(
  readModelDefinition.parse({
    name: 'shipped',
    source: 'public.orders',
    kind: 'flow',
    when: { becomes: { column: 'status', in: ['shipped'] } },
    dimensions: [{ name: 'minute', bucket: { time: 'commit', unit: 'minute', timeZone: 'UTC' } }],
    measures: [
      { name: 'shipped', type: 'count' },
      { name: 'amount', type: 'sum', column: 'amount', scale: 2 },
    ],
    retention: '24h',
  }),
);

/** What the projector does with a batch: fold it, and after a snapshot end, sweep what it missed. */
function project(model: CompiledModel, delivered: FoldEvent[], batchSizes: number[]): MemoryStore {
  const store = new MemoryStore(model);
  let position = 0;
  for (let i = 0; position < delivered.length; i += 1) {
    const size = batchSizes[i % batchSizes.length] ?? 1;
    for (const segment of splitAtSnapshotEnds(delivered.slice(position, position + size))) {
      store.apply(foldBatch(model, segment.events, store.state()));
      if (segment.end) store.apply(foldBatch(model, snapshotSweep(segment.end, store.rows), store.state()));
    }
    position += size;
  }
  return store;
}

function flowReference(
  history: History,
  definition: ReadModelDefinition,
  retainFromMs: number,
): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const { before, after, commitMs } of history.steps) {
    if (!after || after.status !== 'shipped' || before?.status === 'shipped') continue;
    const bucket = bucketOf(commitMs, 'minute', 'UTC');
    if (bucket.startMs < retainFromMs) continue;
    const entry = (result[`${bucket.label} / []`] ??= { _rows: '0', shipped: '0', amount: '0' });
    entry._rows = String(Number(entry._rows) + 1);
    entry.shipped = entry._rows;
    const [whole = '0', fraction = '00'] = (after.amount ?? '0').split('.');
    entry.amount = (BigInt(entry.amount ?? '0') + BigInt(whole + fraction)).toString();
  }
  for (const entry of Object.values(result)) if (entry.amount === '0') delete entry.amount;
  void definition;
  return result;
}

describe('foldBatch against a fresh computation over the final rows', () => {
  it('state model: count, sum, avg, min/max after deletes, distinct, top-N, under replays and any batching', () => {
    fc.assert(
      fc.property(delivery, ([changes, resends, replays, sizes]) => {
        const history = buildHistory(changes, resends);
        const store = project(byStatus, deliver(history.events, replays), sizes);
        expect(store.view()).toEqual(referenceAggregate(byStatus.definition, rowsKeptBy(history, byStatus)));
      }),
      { numRuns: 400 },
    );
  });

  it('archival deletes: "keep" leaves the archived rows counted, "retract" takes them out', () => {
    fc.assert(
      fc.property(delivery, ([changes, resends, replays, sizes]) => {
        const history = buildHistory(changes, resends);
        const delivered = deliver(history.events, replays);
        for (const model of [byStatus, byStatusRetracting]) {
          expect(project(model, delivered, sizes).view()).toEqual(
            referenceAggregate(model.definition, rowsKeptBy(history, model)),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('time buckets in a DST zone, derived bands and retention', () => {
    fc.assert(
      fc.property(delivery, ([changes, resends, replays, sizes]) => {
        const history = buildHistory(changes, resends);
        const store = project(byHourAndBand, deliver(history.events, replays), sizes);
        const retainFrom =
          store.maxCommitTimeMs === null ? null : Number(store.maxCommitTimeMs) - 48 * 3_600_000;
        expect(store.view()).toEqual(
          referenceAggregate(byHourAndBand.definition, rowsKeptBy(history, byHourAndBand), retainFrom),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('flow model: each move into "shipped" counts once, in its commit minute, whatever is replayed', () => {
    fc.assert(
      fc.property(delivery, ([changes, resends, replays, sizes]) => {
        const history = buildHistory(changes, resends);
        const store = project(shippedPerMinute, deliver(history.events, replays), sizes);
        const retainFrom =
          store.maxCommitTimeMs === null ? 0 : Number(store.maxCommitTimeMs) - 24 * 3_600_000;
        expect(store.view()).toEqual(flowReference(history, shippedPerMinute.definition, retainFrom));
      }),
      { numRuns: 300 },
    );
  });
});

describe('foldBatch', () => {
  it('ignores a whole batch applied twice', () => {
    const history = buildHistory([
      { key: 1, status: 'paid', cents: 1050, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      { key: 1, status: 'shipped', cents: 1050, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      { key: 2, status: 'paid', cents: 1, customer: 'globex', createdHours: 2, gapMinutes: 1 },
    ]);
    const store = project(byStatus, history.events, [10]);
    const again = foldBatch(byStatus, history.events, store.state());
    expect(again.rows.size).toBe(0);
    expect(again.deltas.isEmpty).toBe(true);
    expect(again.duplicates).toBe(3);
    expect([...again.skippedRows].sort()).toEqual(['id=1', 'id=2']);
  });

  it('names the rows it skipped whole (no write fences them), not those it also writes', () => {
    const history = buildHistory([
      { key: 1, status: 'paid', cents: 1050, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      { key: 2, status: 'paid', cents: 1, customer: 'globex', createdHours: 2, gapMinutes: 1 },
      { key: 2, status: 'shipped', cents: 1, customer: 'globex', createdHours: 2, gapMinutes: 1 },
    ]);
    const [paid1, paid2, shipped2] = history.events;
    if (!paid1 || !paid2 || !shipped2) throw new Error('fixture');
    const store = project(byStatus, [paid1, paid2], [10]);
    const fold = foldBatch(byStatus, [paid1, paid2, shipped2], store.state());
    expect(fold.duplicates).toBe(2);
    expect([...fold.skippedRows]).toEqual(['id=1']);
    expect(fold.rows.get('id=2')?.expected).toEqual(store.state().rows.get('id=2')?.position);
  });

  it('keeps the largest correct when the largest row is deleted', () => {
    const history = buildHistory([
      { key: 1, status: 'paid', cents: 500, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      { key: 2, status: 'paid', cents: 900, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      { key: 2, deleted: true, gapMinutes: 1 },
    ]);
    const view = project(byStatus, history.events, [1]).view();
    expect(view['- / ["paid"]']).toMatchObject({
      largest: '500',
      smallest: '500',
      customers: '1',
      orders: '1',
    });
  });

  it('uses the remembered value for an unchanged (TOASTed) column', () => {
    const history = buildHistory([
      { key: 1, status: 'paid', cents: 700, customer: 'acme', createdHours: 1, gapMinutes: 1 },
    ]);
    const [create] = history.events;
    if (!create || create.kind !== 'create') throw new Error('fixture');
    const toasted: RowEvent = {
      ...create,
      kind: 'update',
      before: null,
      source: { ...create.source, lsn: create.source.lsn + 1n },
      after: { ...create.after, status: 'shipped', customer: { kind: 'unavailable' } },
    };
    const view = project(byStatus, [create, toasted], [2]).view();
    expect(view['- / ["shipped"]']).toMatchObject({ orders: '1', customers: '1', revenue: '700' });
    expect(view['- / ["paid"]']).toBeUndefined();
  });

  it('rejects a row whose amount is a float, naming the reason, and applies the rest', () => {
    const history = buildHistory([
      { key: 1, status: 'paid', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
    ]);
    const [good] = history.events;
    if (!good || good.kind !== 'create') throw new Error('fixture');
    const bad: RowEvent = { ...good, rowKey: 'id=2', after: { ...good.after, amount: 1.5 } };
    const fold = foldBatch(byStatus, [good, bad], { rows: new Map(), maxCommitTimeMs: null });
    expect(fold.applied).toBe(1);
    expect(fold.rejected.map((r) => r.reason)).toEqual([
      'amount arrived as a float (decimal.handling.mode=double is inexact): use precise or string',
    ]);
  });
});
