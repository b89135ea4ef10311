import { decimalFromString, formatUnscaled, unscaledAt } from '../decode/index.ts';
import { isTimeZone, type ReadModelDefinition } from '../definitions/index.ts';
import { bucketOf } from '../projection/index.ts';
import type { ModelSnapshot } from '../store/index.ts';
import { QueryRejected, runAdHocQuery, type AdHocRow } from './ad-hoc-query.ts';
import type {
  AmountBand,
  CustomerRevenue,
  ProductSales,
  RevenueHour,
  ShippedMinute,
  TimeBucket,
} from './generated/resolvers-types.ts';
import { measureText } from './measure-values.ts';
import { modelRows, timeDimensionOf } from './model-view.ts';

/**
 * The demo dashboard's typed answers, each computed from one snapshot of its read model (so the
 * answer and its freshness describe the same version). The measure names are the demo
 * definitions' (readmodels/*.yaml); a renamed measure is reported, not silently zero.
 */

type Fresh<T> = T & { readonly freshness: ModelSnapshot };

const HOUR_MS = 3_600_000;

function timeBucket(bucket: { startMs: number; label: string }): TimeBucket {
  return { start: new Date(bucket.startMs).toISOString(), local: bucket.label };
}

function value(row: AdHocRow, name: string): string {
  const measure = row.measures.find((m) => m.name === name);
  const text = measure?.integer ?? measure?.decimal;
  if (text === undefined) throw new Error(`measure "${name}" is missing from the read model`);
  if (text === null) throw new Error(`measure "${name}" has no value`);
  return text;
}

/** [start, end) of a calendar day in a time zone (23, 24 or 25 hours). */
function dayRange(day: string, timeZone: string): { fromMs: number; toMs: number } {
  const noonUtc = Date.parse(`${day}T12:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(day) ||
    Number.isNaN(noonUtc) ||
    new Date(noonUtc).toISOString().slice(0, 10) !== day
  )
    throw new QueryRejected(`day must be a date like 2026-11-24, got "${day}"`, 'day');
  // Local midnight lies within 14 hours of UTC midnight, whichever the zone.
  for (const guess of [noonUtc - 12 * HOUR_MS, noonUtc - 26 * HOUR_MS, noonUtc + 2 * HOUR_MS]) {
    const bucket = bucketOf(guess, 'day', timeZone);
    if (bucket.label.startsWith(day))
      return {
        fromMs: bucket.startMs,
        toMs: bucketOf(bucket.startMs + 26 * HOUR_MS, 'day', timeZone).startMs,
      };
  }
  throw new QueryRejected(`day ${day} could not be placed in ${timeZone}`, 'day');
}

export function revenueByHourView(
  definition: ReadModelDefinition,
  snapshot: ModelSnapshot,
  args: { day?: string | null; timeZone?: string | null },
  nowMs: number,
): Fresh<{ day: string; timeZone: string; hours: RevenueHour[]; total: string }> {
  const time = timeDimensionOf(definition);
  if (!time) throw new Error(`read model ${definition.name} has no time dimension`);
  const timeZone = args.timeZone ?? time.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone))
    throw new QueryRejected(
      `timeZone must be an IANA zone such as Europe/Berlin, got "${timeZone}"`,
      'timeZone',
    );
  const day = args.day ?? bucketOf(nowMs, 'day', timeZone).label.slice(0, 10);
  const { rows } = runAdHocQuery(definition, snapshot, {
    ...dayRange(day, timeZone),
    granularity: 'hour',
    timeZone,
    groupBy: [time.name],
    measures: ['orders', 'revenue'],
    limit: 25,
  });
  const hours = rows.flatMap((row) =>
    row.time
      ? [{ hour: timeBucket(row.time), orders: value(row, 'orders'), revenue: value(row, 'revenue') }]
      : [],
  );
  // The day's total from its hours (exact: unscaled integers at the measure's scale).
  const revenue = definition.measures.find((measure) => measure.name === 'revenue');
  const scale = revenue && 'scale' in revenue ? revenue.scale : 0;
  let units = 0n;
  for (const hour of hours) {
    const parsed = decimalFromString(hour.revenue);
    units += (parsed && unscaledAt(parsed, scale)) ?? 0n;
  }
  const total = formatUnscaled(units, scale);
  return { day, timeZone, hours, total, freshness: snapshot };
}

export function topCustomersView(
  definition: ReadModelDefinition,
  snapshot: ModelSnapshot,
  limit: number,
): Fresh<{ customers: CustomerRevenue[] }> {
  const most = definition.top?.limit ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > most)
    throw new QueryRejected(
      `limit must be between 1 and ${most} (the read model keeps its top ${most}), got ${limit}`,
      'limit',
    );
  const bucket = snapshot.buckets[0];
  const measures = new Map(definition.measures.map((m) => [m.name, m]));
  const [revenue, orders] = [measures.get('revenue'), measures.get('orders')];
  if (!revenue || !orders) throw new Error(`read model ${definition.name} lacks revenue or orders`);
  const byGroup = new Map((bucket?.groups ?? []).map((group) => [JSON.stringify(group.group), group]));
  const customers = (bucket?.ranking ?? []).slice(0, limit).flatMap((ranked, index) => {
    const group = byGroup.get(JSON.stringify(ranked));
    return group
      ? [
          {
            rank: index + 1,
            customer: ranked[0] ?? '',
            revenue: measureText(revenue, group) ?? '0',
            orders: measureText(orders, group) ?? '0',
          },
        ]
      : [];
  });
  return { customers, freshness: snapshot };
}

export function shippedPerMinuteView(
  definition: ReadModelDefinition,
  snapshot: ModelSnapshot,
  lastMinutes: number,
  nowMs: number,
): Fresh<{ minutes: ShippedMinute[] }> {
  if (!Number.isInteger(lastMinutes) || lastMinutes < 1 || lastMinutes > 1440)
    throw new QueryRejected(`lastMinutes must be between 1 and 1440, got ${lastMinutes}`, 'lastMinutes');
  const time = timeDimensionOf(definition);
  if (!time) throw new Error(`read model ${definition.name} has no time dimension`);
  const { rows } = runAdHocQuery(definition, snapshot, {
    fromMs: bucketOf(nowMs - (lastMinutes - 1) * 60_000, 'minute', 'UTC').startMs,
    groupBy: [time.name],
    measures: ['shipped', 'shipped_amount'],
    limit: 1440,
  });
  const minutes = rows.flatMap((row) =>
    row.time
      ? [
          {
            minute: timeBucket(row.time),
            shipped: value(row, 'shipped'),
            amount: value(row, 'shipped_amount'),
          },
        ]
      : [],
  );
  return { minutes, freshness: snapshot };
}

export function openOrdersView(
  definition: ReadModelDefinition,
  snapshot: ModelSnapshot,
): Fresh<{ count: string; value: string; largest: string | null; smallest: string | null }> {
  const { rows } = runAdHocQuery(definition, snapshot, { groupBy: [], limit: 1 });
  const row = rows[0];
  const get = (name: string) => row?.measures.find((m) => m.name === name);
  return {
    count: get('orders')?.integer ?? '0',
    value: get('value')?.decimal ?? '0.00',
    largest: get('largest')?.decimal ?? null,
    smallest: get('smallest')?.decimal ?? null,
    freshness: snapshot,
  };
}

export function amountBandsView(
  definition: ReadModelDefinition,
  snapshot: ModelSnapshot,
): Fresh<{ bands: AmountBand[] }> {
  const { rows } = runAdHocQuery(definition, snapshot, { limit: 1000 });
  const edges = definition.dimensions.flatMap((d) => ('bands' in d ? d.bands.edges : []));
  const order = [
    ...edges.map((edge, i) => (i === 0 ? `<${edge}` : `${edges[i - 1] ?? ''}..${edge}`)),
    `>=${edges.at(-1) ?? ''}`,
  ];
  const bands = rows
    .map((row) => ({
      band: row.dimensions[0]?.value ?? '',
      orders: value(row, 'orders'),
      customers: value(row, 'customers'),
    }))
    .sort((a, b) => order.indexOf(a.band) - order.indexOf(b.band));
  return { bands, freshness: snapshot };
}

export function productSalesView(
  definition: ReadModelDefinition,
  snapshot: ModelSnapshot,
): Fresh<{ products: ProductSales[] }> {
  const measures = new Map(definition.measures.map((m) => [m.name, m]));
  const text = (name: string, group: Parameters<typeof measureText>[1]) => {
    const measure = measures.get(name);
    if (!measure) throw new Error(`measure "${name}" is missing from the read model`);
    return measureText(measure, group);
  };
  const products = modelRows(definition, snapshot)
    .map(({ values, group }) => ({
      product: values.product ?? '',
      quantity: text('quantity', group) ?? '0',
      lines: text('lines', group) ?? '0',
      orders: text('orders', group) ?? '0',
      highestUnitPrice: text('highest_unit_price', group),
    }))
    .sort((a, b) => (a.product < b.product ? -1 : a.product > b.product ? 1 : 0));
  return { products, freshness: snapshot };
}
