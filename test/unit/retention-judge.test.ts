import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deletesPastRetention } from '../../src/cleanup/index.ts';
import type { RowEvent } from '../../src/decode/index.ts';
import { readModelDefinition, sourceDefinition } from '../../src/definitions/index.ts';
import { compileModel, foldBatch } from '../../src/projection/index.ts';
import { MemoryStore } from '../support/memory-store.ts';
import { buildHistory, change, type Change } from '../support/order-history.ts';

const RETENTION_HOURS = 24;
const judge = compileModel(
  readModelDefinition.parse({
    name: 'judge',
    source: 'public.orders',
    filter: [{ column: 'status', in: ['paid'] }], // rows outside the filter are judged too
    measures: [{ name: 'orders', type: 'count' }],
  }),
  sourceDefinition.parse({
    table: 'public.orders',
    archivalRetention: { column: 'created_at', olderThan: `${RETENTION_HOURS}h` },
  }),
);

/** Streamed changes only (no snapshots, no races): each event is one real change, in commit order. */
const streamed = fc.array(
  change
    .filter((c): c is Exclude<Change, { snapshot: true }> => !('snapshot' in c))
    .map((c) => ({ ...c, race: false })),
  { minLength: 1, maxLength: 40 },
);

describe('declared archival retention', () => {
  it('judges each delete by the row as the database had it, however the stream is cut into batches', () => {
    fc.assert(
      fc.property(
        streamed,
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }),
        (changes, sizes) => {
          const history = buildHistory(changes);
          // The oracle: the row before each delete, from the database's point of view.
          const expected = new Set<string>();
          history.events.forEach((event, index) => {
            const before = history.steps[index]?.before;
            if (event.kind !== 'delete' || !before?.created_at) return;
            const ageMs = Number(event.source.commitTimeMs) - Date.parse(before.created_at);
            if (ageMs > RETENTION_HOURS * 3_600_000) expected.add(event.record.offset);
          });

          // The projector's way: batches of random sizes, memories stored by the fold between them.
          const store = new MemoryStore(judge);
          const judged = new Set<string>();
          for (let at = 0, i = 0; at < history.events.length; i += 1) {
            const batch: RowEvent[] = history.events.slice(at, at + (sizes[i % sizes.length] ?? 1));
            const stored = (rowKey: string) => store.rows.get(rowKey)?.memory ?? null;
            for (const event of deletesPastRetention(batch, judge, stored, () => true))
              judged.add(event.record.offset);
            store.apply(foldBatch(judge, batch, store.state()));
            at += batch.length;
          }
          expect([...judged].sort()).toEqual([...expected].sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('judges a row created and deleted in the same batch from its create (a replay reads them together)', () => {
    const history = buildHistory([
      { key: 1, status: 'shipped', cents: 100, customer: 'acme', createdHours: 0, gapMinutes: 0 },
      { key: 2, status: 'paid', cents: 100, customer: 'acme', createdHours: 0, gapMinutes: 0 },
      { key: 1, deleted: true, gapMinutes: 48 * 60 },
      { key: 2, deleted: true, gapMinutes: 0 },
    ]);
    const past = deletesPastRetention(
      history.events,
      judge,
      () => null,
      (e) => e.rowKey !== 'id=2',
    );
    expect([...past].map((event) => event.rowKey)).toEqual(['id=1']); // id=2 not considered (tagged)
  });
});
