import { describe, expect, it } from 'vitest';
import { readModelDefinition } from '../../src/definitions/index.ts';
import { compileModel, foldLane, type FoldEvent, type LaneRow } from '../../src/projection/index.ts';
import { everyMeasureModel } from '../support/demo-models.ts';

/** Compiled models as the fold reads them: band labels and group keys, and remembered contributions. */

const banded = compileModel(
  readModelDefinition.parse({
    name: 'by_band',
    source: 'public.orders',
    dimensions: [{ name: 'band', bands: { column: 'amount', edges: ['-5', '50', '200.5', '1000'] } }],
    measures: [{ name: 'orders', type: 'count' }],
  }),
);

const bandOf = (amount: string) => JSON.parse(banded.contributionOf({ amount })?.group ?? 'null') as [string];

describe('compiled models', () => {
  it('labels a band by exact comparison, whatever the scale of the value and of the edges', () => {
    const cases: Array<[string, string]> = [
      ['-1000000000000000000000.01', '<-5'],
      ['-5.000001', '<-5'],
      ['-5', '-5..50'],
      ['-4.99', '-5..50'],
      ['49.9999999999999999999', '-5..50'],
      ['50', '50..200.5'],
      ['50.000', '50..200.5'],
      ['200.4999', '50..200.5'],
      ['200.5', '200.5..1000'],
      ['200.50', '200.5..1000'],
      ['999.999999', '200.5..1000'],
      ['1000', '>=1000'],
      ['123456789012345678901234567890.5', '>=1000'],
    ];
    // Twice, in another order: a value's label does not depend on the one read before it.
    for (const [amount, band] of [...cases, ...cases.reverse()])
      expect([amount, bandOf(amount)[0]]).toEqual([amount, band]);
  });

  it('gives equal groups one key, and tells apart values a cache could confuse', () => {
    const model = everyMeasureModel('by_status', { filter: [] });
    const group = (status: string | null) =>
      model.contributionOf({ status, amount: '1.00', customer: 'c' })?.group;
    expect(group('paid')).toBe('["paid"]');
    expect(group('paid')).toBe(group(['pa', 'id'].join('')));
    expect(group(null)).toBe('[null]');
    expect(group('null')).toBe('["null"]');
    expect(group('"')).toBe('["\\""]');
    // A value too long to keep gets its key every time, the same.
    const long = 'x'.repeat(1_000_000);
    expect(group(long)).toBe(`["${long}"]`);
    expect(group(long)).toBe(`["${long}"]`);
  });
});

describe('remembered contributions', () => {
  const a = everyMeasureModel('a');
  const b = everyMeasureModel('b', { dimensions: [{ column: 'customer' }] });
  const event = (kind: 'create' | 'update', lsn: bigint, after: Record<string, string>): FoldEvent => ({
    kind,
    record: { topic: 't', partition: 0, offset: String(lsn) },
    table: 'public.orders',
    rowKey: 'id=1',
    source: { lsn, txId: lsn, commitTimeMs: 1_000n + lsn, snapshot: null, origin: null },
    columnTypes: null,
    before: null,
    after,
  });
  const created = event('create', 10n, { status: 'paid', amount: '10.00', customer: 'ann' });
  const updated = event('update', 20n, { status: 'paid', amount: '25.00', customer: 'bob' });

  it('are found by name when the lane lost a member between two batches', () => {
    const empty = { rows: new Map<string, LaneRow>(), maxCommitTimeMs: new Map<string, bigint | null>() };
    const first = foldLane([a, b], [created], empty);
    const rows = new Map([...first.rows].map(([key, write]) => [key, write.next]));
    // b alone now (a stopped): its remembered contribution is the second of the row's.
    const second = foldLane([b], [updated], { rows, maxCommitTimeMs: new Map() });
    const alone = foldLane([b], [updated], {
      rows: new Map([...rows].map(([key, row]) => [key, { position: row.position, memory: row.memory }])),
      maxCommitTimeMs: new Map(),
    });
    const counters = (fold: typeof second) =>
      [...(fold.members.get('b')?.deltas.counters.values() ?? [])].map((c) => `${c.field} ${c.delta}`).sort();
    expect(counters(second)).toEqual(counters(alone));
    expect(counters(second)).toContain('revenue|["ann"] -1000');
    expect(counters(second)).toContain('revenue|["bob"] 2500');
  });
});
