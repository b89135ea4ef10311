import { describe, expect, it } from 'vitest';
import { QueryRejected, runAdHocQuery, type AdHocRow } from '../../src/api/ad-hoc-query.ts';
import { bucketOf } from '../../src/projection/index.ts';
import type { GroupState, ModelSnapshot } from '../../src/store/index.ts';
import { everyMeasureModel } from '../support/demo-models.ts';

/** Hourly buckets in Berlin, a status and a customer dimension, every kind of measure. */
const { definition } = everyMeasureModel('sales', {
  filter: [],
  dimensions: [
    { name: 'hour', bucket: { column: 'created_at', unit: 'hour', timeZone: 'Europe/Berlin' } },
    { column: 'status' },
    { column: 'customer' },
  ],
  top: undefined,
});

/** A group holding `amounts` (in cents), as the store would after applying those rows. */
function group(status: string, customer: string, amounts: number[]): GroupState {
  const total = BigInt(amounts.reduce((sum, cents) => sum + cents, 0));
  return {
    group: [status, customer],
    rows: BigInt(amounts.length),
    counters: {
      orders: BigInt(amounts.length),
      revenue: total,
      'average.sum': total,
      'average.n': BigInt(amounts.length),
    },
    extremes: { largest: String(Math.max(...amounts)), smallest: String(Math.min(...amounts)) },
    distincts: { customers: 1n },
  };
}

// 2026-03-29 is the day Berlin moves to summer time: 23 hours long (00:00+01:00 → 00:00+02:00).
const at = (iso: string) => bucketOf(Date.parse(iso), 'hour', 'Europe/Berlin');
const buckets = [
  { time: at('2026-03-28T22:30:00Z'), groups: [group('paid', 'acme', [1000, 2000])] }, // 23:30 on the 28th
  {
    time: at('2026-03-28T23:30:00Z'),
    groups: [group('paid', 'acme', [500]), group('shipped', 'globex', [999])],
  }, // 00:30 on the 29th
  { time: at('2026-03-29T21:30:00Z'), groups: [group('paid', 'globex', [1])] }, // 23:30 (+02:00) on the 29th
  { time: at('2026-03-29T22:30:00Z'), groups: [group('shipped', 'acme', [7000])] }, // 00:30 on the 30th
];
const snapshot: ModelSnapshot = {
  model: 'sales',
  version: 4n,
  buckets: buckets.map(({ time, groups }) => ({
    label: time.label,
    startMs: time.startMs,
    groups,
    ranking: null,
  })),
  source: { lsn: '100', txId: '7', commitTimeMs: '0' },
  missedRecords: 0,
  stopped: null,
  generation: 0,
  definition: null,
  appliedAtMs: '0',
  catchingUp: false,
};

function table(rows: AdHocRow[]) {
  return rows.map((row) => ({
    time: row.time?.label ?? null,
    ...Object.fromEntries(row.dimensions.map((d) => [d.name, d.value])),
    ...Object.fromEntries(row.measures.map((m) => [m.name, m.integer ?? m.decimal])),
  }));
}

describe('ad hoc aggregate over a snapshot', () => {
  it('rolls hours up into calendar days of the zone (a 23-hour DST day included) and adds groups up exactly', () => {
    const { rows, totalRows } = runAdHocQuery(definition, snapshot, {
      granularity: 'day',
      groupBy: ['hour'],
      measures: ['orders', 'revenue', 'average', 'largest', 'smallest'],
      limit: 10,
    });
    expect(totalRows).toBe(3);
    expect(table(rows)).toEqual([
      {
        time: '2026-03-28T00:00:00+01:00',
        orders: '2',
        revenue: '30.00',
        average: '15.00',
        largest: '20.00',
        smallest: '10.00',
      },
      // 5.00 + 9.99 + 0.01 over 3 orders: 5.00 exactly; the day began at +01:00 and ended at +02:00.
      {
        time: '2026-03-29T00:00:00+01:00',
        orders: '3',
        revenue: '15.00',
        average: '5.00',
        largest: '9.99',
        smallest: '0.01',
      },
      {
        time: '2026-03-30T00:00:00+02:00',
        orders: '1',
        revenue: '70.00',
        average: '70.00',
        largest: '70.00',
        smallest: '70.00',
      },
    ]);
  });

  it('filters by dimension values and a time range, orders by a measure, and limits', () => {
    const { rows, totalRows } = runAdHocQuery(definition, snapshot, {
      where: [{ dimension: 'status', in: ['paid'] }],
      fromMs: Date.parse('2026-03-28T23:00:00Z'),
      groupBy: ['customer'],
      measures: ['revenue'],
      orderBy: [{ by: 'revenue', descending: true }],
      limit: 1,
    });
    expect(totalRows).toBe(2); // acme 5.00, globex 0.01 (the 23:30 bucket of the 28th is before `from`)
    expect(table(rows)).toEqual([{ time: null, customer: 'acme', revenue: '5.00' }]);
  });

  it('keeps distinct counts only where no groups are merged', () => {
    const { rows } = runAdHocQuery(definition, snapshot, { measures: ['customers'], limit: 10 });
    expect(rows).toHaveLength(5);
    const merging = () =>
      runAdHocQuery(definition, snapshot, { groupBy: ['status'], measures: ['customers'], limit: 10 });
    expect(merging).toThrow(QueryRejected);
    expect(merging).toThrow(/cannot be added up/);
  });

  it('names the argument at fault', () => {
    const rejected = (request: Parameters<typeof runAdHocQuery>[2]) => {
      try {
        runAdHocQuery(definition, snapshot, request);
      } catch (error) {
        if (error instanceof QueryRejected) return error.argument;
        throw error;
      }
      return 'accepted';
    };
    expect(rejected({ groupBy: ['colour'], limit: 1 })).toBe('groupBy');
    expect(rejected({ granularity: 'day', timeZone: 'Mars/Olympus', limit: 1 })).toBe('timeZone');
    expect(rejected({ measures: ['profit'], limit: 1 })).toBe('measures');
    expect(rejected({ granularity: 'minute', limit: 1 })).toBe('granularity');
    expect(rejected({ where: [{ dimension: 'hour', in: ['x'] }], limit: 1 })).toBe('where');
    expect(
      rejected({
        orderBy: [{ by: 'customer', descending: false }],
        groupBy: ['status'],
        measures: ['orders'],
        limit: 1,
      }),
    ).toBe('orderBy');
    // A Berlin hour from 18:00 to 19:00 UTC straddles midnight in Kolkata (+05:30): not whole.
    const straddling = at('2026-03-28T18:10:00Z');
    const kolkata = () =>
      runAdHocQuery(
        definition,
        {
          ...snapshot,
          buckets: [
            {
              label: straddling.label,
              startMs: straddling.startMs,
              groups: [group('paid', 'acme', [1])],
              ranking: null,
            },
          ],
        },
        { granularity: 'day', timeZone: 'Asia/Kolkata', groupBy: ['hour'], measures: ['orders'], limit: 1 },
      );
    expect(kolkata).toThrow(/do not fit whole/);
  });
});
