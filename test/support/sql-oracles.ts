import type pg from 'pg';
import { bucketOf } from '../../src/projection/index.ts';
import type { ModelView } from './read-model-views.ts';

type Row = Record<string, string | null>;

async function rows(db: pg.ClientBase, sql: string): Promise<Row[]> {
  return (await db.query<Row>(sql)).rows;
}

function entry(row: Row, measures: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const measure of measures) {
    const value = row[measure];
    if (value !== null && value !== undefined) out[measure] = value;
  }
  return out;
}

/** Groups ordered as Redis ranks them: total descending, equal totals by group text descending. */
function ranking(groups: Array<{ group: string; total: bigint }>, limit: number): string {
  const order = groups
    .filter((g) => g.total !== 0n)
    .sort((a, b) =>
      a.total !== b.total ? (a.total > b.total ? -1 : 1) : a.group > b.group ? -1 : a.group < b.group ? 1 : 0,
    );
  return JSON.stringify(order.slice(0, limit).map((g) => JSON.parse(g.group) as unknown));
}

/**
 * The SQL oracle of each demo state model: a GROUP BY over the source tables, in the shape of
 * snapshotView(). Flow models have no table-state oracle (see the e2e test's audit trigger).
 */
/** The relations a model's oracle reads: the live table, or (for "archive: keep") live ∪ archived rows. */
export interface OracleRelations {
  readonly orders: string;
  readonly order_items: string;
}

export const sqlOracles: Record<string, (db: pg.ClientBase, from: OracleRelations) => Promise<ModelView>> = {
  async orders_by_status(db, from) {
    const view: ModelView = {};
    for (const row of await rows(
      db,
      `SELECT status, count(*)::text AS orders, sum(amount)::text AS revenue, round(avg(amount), 2)::text AS average_amount
       FROM ${from.orders} AS orders GROUP BY status`,
    )) {
      view[`- / ${JSON.stringify([row.status])}`] = entry(row, ['orders', 'revenue', 'average_amount']);
    }
    return view;
  },

  async revenue_by_hour(db, from) {
    const view: ModelView = {};
    for (const row of await rows(
      db,
      `SELECT (extract(epoch FROM date_trunc('hour', created_at, 'Europe/Berlin')) * 1000)::bigint::text AS start,
              count(*)::text AS orders, sum(amount)::text AS revenue
       FROM ${from.orders} AS orders
       -- The model keeps 35 days of buckets; the tests' rows are either recent or far older.
       WHERE status <> 'cancelled' AND created_at > now() - interval '35 days' GROUP BY 1`,
    )) {
      const label = bucketOf(Number(row.start), 'hour', 'Europe/Berlin').label;
      view[`${label} / []`] = entry(row, ['orders', 'revenue']);
    }
    return view;
  },

  async revenue_by_customer(db, from) {
    const view: ModelView = {};
    const totals: Array<{ group: string; total: bigint }> = [];
    for (const row of await rows(
      db,
      `SELECT customer, sum(amount)::text AS revenue, count(*)::text AS orders,
              (sum(amount) * 100)::bigint::text AS cents
       FROM ${from.orders} AS orders WHERE status <> 'cancelled' GROUP BY customer`,
    )) {
      const group = JSON.stringify([row.customer]);
      view[`- / ${group}`] = entry(row, ['revenue', 'orders']);
      totals.push({ group, total: BigInt(row.cents ?? '0') });
    }
    view['- / top'] = { ranking: ranking(totals, 10) };
    return view;
  },

  async open_orders(db, from) {
    const view: ModelView = {};
    for (const row of await rows(
      db,
      `SELECT count(*)::text AS orders, sum(amount)::text AS value, max(amount)::text AS largest, min(amount)::text AS smallest
       FROM ${from.orders} AS orders WHERE status IN ('pending', 'paid') HAVING count(*) > 0`,
    )) {
      view['- / []'] = entry(row, ['orders', 'value', 'largest', 'smallest']);
    }
    return view;
  },

  async orders_by_amount_band(db, from) {
    const view: ModelView = {};
    for (const row of await rows(
      db,
      `SELECT CASE WHEN amount < 50 THEN '<50' WHEN amount < 200 THEN '50..200' WHEN amount < 1000 THEN '200..1000' ELSE '>=1000' END AS band,
              count(*)::text AS orders, count(DISTINCT customer)::text AS customers
       FROM ${from.orders} AS orders GROUP BY 1`,
    )) {
      view[`- / ${JSON.stringify([row.band])}`] = entry(row, ['orders', 'customers']);
    }
    return view;
  },

  async items_by_product(db, from) {
    const view: ModelView = {};
    for (const row of await rows(
      db,
      `SELECT product, sum(quantity)::text AS quantity, count(*)::text AS lines, count(DISTINCT order_id)::text AS orders,
              max(unit_price)::text AS highest_unit_price
       FROM ${from.order_items} AS order_items GROUP BY product`,
    )) {
      view[`- / ${JSON.stringify([row.product])}`] = entry(row, [
        'quantity',
        'lines',
        'orders',
        'highest_unit_price',
      ]);
    }
    return view;
  },
};
