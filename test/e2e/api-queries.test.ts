/**
 * The GraphQL API end to end on the real stack: after a workload written with SQL, every typed
 * dashboard query and ad hoc aggregates equal their SQL oracles, subscriptions push the current
 * value then newer versions, freshness is consistent with the source, and bad arguments get
 * precise errors on both transports.
 */
import pg from 'pg';
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createRandom, runOperation } from '../../demo/workload.ts';
import type { ReadModelStore } from '../../src/store/index.ts';
import { queryHttp, subscribeWs } from '../support/graphql-clients.ts';
import {
  connectToStack,
  demoModels,
  markerTxId,
  oracleRelations,
  waitAllApplied,
} from '../support/model-checks.ts';
import { startPipeline, type Pipeline } from '../support/pipeline.ts';
import { metricValue } from '../support/prometheus.ts';
import { freePort } from '../support/free-port.ts';
import { startReadout, waitForHealthy } from '../support/readout-process.ts';

let db: pg.Client;
let store: ReadModelStore;
let pipeline: Pipeline;

type Row = Record<string, string | null>;
/**
 * Where models with "archive: keep" count from: the live tables plus the rows archived so far
 * (other tests archive orders). open_orders retracts archived rows: its oracle reads `orders`.
 */
async function keptRelations(): Promise<{ orders: string; items: string }> {
  const keep = demoModels.find((m) => m.archive === 'keep');
  if (!keep) throw new Error('no read model keeps archived rows');
  const { orders, order_items } = await oracleRelations(db, keep);
  return { orders, items: order_items };
}

async function sql(text: string, values: unknown[] = []): Promise<Row[]> {
  return (await db.query<Row>(text, values)).rows;
}

async function writeAndSettle(operations: number, seed: number): Promise<void> {
  const random = createRandom(seed);
  for (let i = 0; i < operations; i += 1)
    await runOperation(db, random, { inserts: 6, updates: 3, deletes: 1 });
  await settle();
}

/**
 * Everything written so far applied in Redis, and known to the API: it answers queries from the
 * newest snapshot a notice told it of, so it can trail Redis by the notice's trip.
 */
async function settle(): Promise<void> {
  const txId = await markerTxId(db);
  await waitAllApplied(store, txId);
  for (const model of demoModels) {
    for (let attempt = 0; ; attempt += 1) {
      const answer = await queryHttp<{ aggregate: { freshness: { sourceTxId: string | null } } }>(
        pipeline.apiUrl,
        `{ aggregate(readModel: "${model.name}", limit: 1) { freshness { sourceTxId } } }`,
      );
      const applied = answer.aggregate.freshness.sourceTxId;
      if (applied !== null && BigInt(applied) >= txId) break;
      if (attempt > 100) throw new Error(`the API never showed ${model.name} at txId ${txId}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The raw GraphQL response (data and errors), over HTTP. */
async function post(
  query: string,
): Promise<{ data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
  const response = await fetch(pipeline.apiUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as {
    data?: unknown;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}

beforeAll(async () => {
  pipeline = await startPipeline('api');
  ({ db, store } = await connectToStack(pipeline.id));
  await writeAndSettle(150, 71);
});

afterAll(async () => {
  await pipeline?.stop();
  await store?.quit();
  await db?.end();
});

describe('GraphQL API on the real stack', () => {
  it("answers every read model's generated typed query exactly as SQL does", async () => {
    // Today in Berlin, as the revenue_by_hour model's zone sees it: [from, to) of its hours.
    const [range = { from: '', to: '' }] = await sql(
      `SELECT to_char(d AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"') AS from,
              to_char((d + interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"') AS to
         FROM (SELECT date_trunc('day', now() AT TIME ZONE 'Europe/Berlin') AT TIME ZONE 'Europe/Berlin' AS d) AS day`,
    );
    const answer = await queryHttp<{
      revenueByHour: { rows: Array<{ hour: { start: string }; orders: string; revenue: string }> };
      revenueByCustomer: { rows: Array<{ rank: number; customer: string; revenue: string; orders: string }> };
      openOrders: {
        rows: Array<{ orders: string; value: string; largest: string | null; smallest: string | null }>;
      };
      ordersByAmountBand: { rows: Array<{ band: string; orders: string; customers: string }> };
      itemsByProduct: { rows: Array<Record<string, string | null>> };
    }>(
      pipeline.apiUrl,
      `query ($from: DateTime, $to: DateTime) {
        revenueByHour(from: $from, to: $to) { rows { hour { start } orders revenue } }
        revenueByCustomer(limit: 5) { rows { rank customer revenue orders } }
        openOrders { rows { orders value largest smallest } }
        ordersByAmountBand { rows { band orders customers } }
        itemsByProduct { rows { product quantity lines orders highestUnitPrice } }
      }`,
      range,
    );

    const kept = await keptRelations();
    const dayStart = `(date_trunc('day', now() AT TIME ZONE 'Europe/Berlin') AT TIME ZONE 'Europe/Berlin')`;
    const hours = await sql(
      `SELECT to_char(date_trunc('hour', created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"') AS start,
              count(*)::text AS orders, sum(amount)::text AS revenue
       FROM ${kept.orders} AS o WHERE status <> 'cancelled' AND created_at >= ${dayStart} AND created_at < ${dayStart} + interval '1 day'
       GROUP BY 1 ORDER BY 1`,
    );
    expect(
      answer.revenueByHour.rows.map((h) => ({ start: h.hour.start, orders: h.orders, revenue: h.revenue })),
    ).toEqual(hours);

    // Redis ranks equal totals by group text descending; the demo's amounts make ties unlikely.
    const top = await sql(
      `SELECT customer, sum(amount)::text AS revenue, count(*)::text AS orders FROM ${kept.orders} AS o
       WHERE status <> 'cancelled' GROUP BY customer ORDER BY sum(amount) DESC, customer DESC LIMIT 5`,
    );
    expect(answer.revenueByCustomer.rows).toEqual(top.map((row, index) => ({ rank: index + 1, ...row })));

    const [open] = await sql(
      `SELECT count(*)::text AS orders, coalesce(sum(amount), 0.00)::text AS value, max(amount)::text AS largest,
              min(amount)::text AS smallest FROM orders WHERE status IN ('pending', 'paid')`,
    );
    expect(answer.openOrders.rows).toEqual([open]);

    const bands = await sql(
      `SELECT CASE WHEN amount < 50 THEN '<50' WHEN amount < 200 THEN '50..200' WHEN amount < 1000 THEN '200..1000' ELSE '>=1000' END AS band,
              count(*)::text AS orders, count(DISTINCT customer)::text AS customers
       FROM ${kept.orders} AS o GROUP BY 1 ORDER BY min(amount)`,
    );
    expect(answer.ordersByAmountBand.rows).toEqual(bands);

    const products = await sql(
      `SELECT product, sum(quantity)::text AS quantity, count(*)::text AS lines, count(DISTINCT order_id)::text AS orders,
              max(unit_price)::text AS "highestUnitPrice"
       FROM ${kept.items} AS i GROUP BY product ORDER BY product`,
    );
    expect(answer.itemsByProduct.rows).toEqual(products);
  });

  it('answers ad hoc aggregates as SQL does, and lists every read model', async () => {
    const answer = await queryHttp<{
      readModels: Array<{
        name: string;
        dimensions: Array<{ name: string }>;
        measures: Array<{ name: string }>;
      }>;
      byDay: {
        rows: Array<{
          time: { local: string };
          measures: Array<{ name: string; integer: string | null; decimal: string | null }>;
        }>;
      };
      paidOrShipped: {
        rows: Array<{
          dimensions: unknown[];
          measures: Array<{ name: string; integer: string | null; decimal: string | null }>;
        }>;
        freshness: { sourceCommitTime: string; lagMs: string };
      };
      topByRevenue: { rows: Array<{ dimensions: Array<{ value: string }> }>; totalRows: number };
    }>(
      pipeline.apiUrl,
      `{
        readModels { name dimensions { name } measures { name } }
        byDay: aggregate(readModel: "revenue_by_hour", granularity: DAY, measures: ["orders", "revenue"]) {
          rows { time { local } measures { name integer decimal } }
        }
        paidOrShipped: aggregate(readModel: "orders_by_status", where: [{ dimension: "status", in: ["paid", "shipped"] }], groupBy: [], measures: ["orders", "revenue", "average_amount"]) {
          rows { dimensions { name } measures { name integer decimal } }
          freshness { sourceCommitTime lagMs }
        }
        topByRevenue: aggregate(readModel: "revenue_by_customer", orderBy: [{ by: "revenue", direction: DESC }, { by: "customer", direction: DESC }], limit: 3) {
          rows { dimensions { value } } totalRows
        }
      }`,
    );
    // Every read model, with the dimensions and measures its definition declares.
    expect(
      answer.readModels
        .map((m) => ({
          name: m.name,
          dimensions: m.dimensions.map((d) => d.name),
          measures: m.measures.map((x) => x.name),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    ).toEqual(
      demoModels
        .map((m) => ({
          name: m.name,
          dimensions: m.definition.dimensions.map((d) =>
            'name' in d && d.name ? d.name : 'column' in d ? d.column : '',
          ),
          measures: m.definition.measures.map((x) => x.name),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );

    const kept = await keptRelations();
    const days = await sql(
      `SELECT to_char(date_trunc('day', created_at, 'Europe/Berlin') AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD') AS day,
              count(*)::text AS orders, sum(amount)::text AS revenue
       FROM ${kept.orders} AS o WHERE status <> 'cancelled' AND created_at > now() - interval '35 days' GROUP BY 1 ORDER BY 1`,
    );
    expect(
      answer.byDay.rows.map((row) => ({
        day: row.time.local.slice(0, 10),
        orders: row.measures[0]?.integer,
        revenue: row.measures[1]?.decimal,
      })),
    ).toEqual(days);

    const [paid] = await sql(
      `SELECT count(*)::text AS orders, sum(amount)::text AS revenue, round(avg(amount), 2)::text AS average
       FROM ${kept.orders} AS o WHERE status IN ('paid', 'shipped')`,
    );
    expect(answer.paidOrShipped.rows).toEqual([
      {
        dimensions: [],
        measures: [
          { name: 'orders', integer: paid?.orders, decimal: null },
          { name: 'revenue', integer: null, decimal: paid?.revenue },
          { name: 'average_amount', integer: null, decimal: paid?.average },
        ],
      },
    ]);
    // Freshness: as of a commit that happened, not in the future; the lag is measured from it.
    const commit = Date.parse(answer.paidOrShipped.freshness.sourceCommitTime);
    expect(commit).toBeLessThanOrEqual(Date.now());
    expect(Number(answer.paidOrShipped.freshness.lagMs)).toBeGreaterThanOrEqual(0);

    const customers = await sql(
      `SELECT customer FROM ${kept.orders} AS o WHERE status <> 'cancelled' GROUP BY customer ORDER BY sum(amount) DESC, customer DESC`,
    );
    expect(answer.topByRevenue.totalRows).toBe(customers.length);
    expect(answer.topByRevenue.rows.map((row) => row.dimensions[0]?.value)).toEqual(
      customers.slice(0, 3).map((row) => row.customer),
    );
  });

  it("states its freshness as PostgreSQL recorded it: the newest change's transaction and commit time", async () => {
    await writeAndSettle(20, 72); // the last change applied is the marker's delete (see settle)
    const { ordersByStatus } = await queryHttp<{
      ordersByStatus: { freshness: { sourceTxId: string; sourceCommitTime: string; lagMs: string } };
    }>(pipeline.apiUrl, '{ ordersByStatus { freshness { sourceTxId sourceCommitTime lagMs } } }');
    const answeredAt = Date.now();
    // track_commit_timestamp=on (stack/up.sh): PostgreSQL's own record of the commit time.
    const [committed] = await sql(
      `SELECT (floor(extract(epoch FROM pg_xact_commit_timestamp($1::text::xid)) * 1000))::bigint::text AS ms`,
      [ordersByStatus.freshness.sourceTxId],
    );
    expect(Date.parse(ordersByStatus.freshness.sourceCommitTime)).toBe(Number(committed?.ms));
    const lag = Number(ordersByStatus.freshness.lagMs);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThanOrEqual(answeredAt - Number(committed?.ms));
  });

  it('pushes the current value first, then the version with a new order', async () => {
    const query = `subscription {
      aggregate(readModel: "orders_by_status", groupBy: [], measures: ["orders"]) {
        rows { measures { integer } } freshness { version }
      }
    }`;
    type Pushed = {
      aggregate: { rows: Array<{ measures: Array<{ integer: string }> }>; freshness: { version: string } };
    };
    const subscription = subscribeWs<Pushed>(pipeline.apiUrl, query);
    const count = async () =>
      (await sql(`SELECT count(*)::text AS n FROM ${(await keptRelations()).orders} AS o`))[0]?.n;
    const first = await subscription.until(() => true, 30_000);
    expect(first.aggregate.rows[0]?.measures[0]?.integer).toBe(await count());
    await db.query(`INSERT INTO orders (customer, status, amount) VALUES ('subscriber-check', 'paid', 5.00)`);
    const expected = await count();
    const later = await subscription.until(
      (value) => value.aggregate.rows[0]?.measures[0]?.integer === expected,
      30_000,
    );
    expect(BigInt(later.aggregate.freshness.version)).toBeGreaterThan(
      BigInt(first.aggregate.freshness.version),
    );
    await subscription.close();
  });

  it('refuses bad arguments with a precise error naming the argument, on HTTP and on WebSocket', async () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        'aggregate(readModel: "orders_by_status", groupBy: ["colour"]) { totalRows }',
        'groupBy',
        /no dimension \W*colour/,
      ],
      [
        'aggregate(readModel: "orders_by_amount_band", groupBy: []) { totalRows }',
        'measures',
        /distinct count/,
      ],
      [
        'aggregate(readModel: "revenue_by_hour", granularity: MINUTE) { totalRows }',
        'granularity',
        /no finer/,
      ],
      ['aggregate(readModel: "orders_by_status", limit: 1001) { totalRows }', 'limit', /between 1 and 1000/],
      ['revenueByCustomer(limit: 1001) { rows { rank } }', 'limit', /between 1 and 1000/],
      ['revenueByHour(granularity: MINUTE) { totalRows }', 'granularity', /no finer/],
      [
        'revenueByCustomer(orderBy: [{ by: ORDERS }, { by: RANK }]) { totalRows }',
        'orderBy',
        /can only come first/,
      ],
      ['revenueByHour(timeZone: "Mars/Olympus") { totalRows }', 'timeZone', /IANA zone/],
      [
        'aggregate(readModel: "revenue_by_hour", granularity: DAY, timeZone: "Mars/Olympus") { totalRows }',
        'timeZone',
        /IANA zone/,
      ],
    ];
    for (const [field, argument, message] of cases) {
      const response = await post(`{ ${field} }`);
      expect(response.errors?.[0]?.message).toMatch(message);
      expect(response.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argumentName: argument,
      });
      const subscription = subscribeWs(pipeline.apiUrl, `subscription { ${field} }`);
      await expect(subscription.until(() => true, 10_000)).rejects.toThrow(message);
      await subscription.close();
    }
    const unknown = await post('{ aggregate(readModel: "nope") { totalRows } }');
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'READ_MODEL_UNDEFINED' });
  });

  it('serves GraphiQL offline: a page whose scripts and styles all come from the API itself', async () => {
    const origin = new URL(pipeline.apiUrl).origin;
    const page = await fetch(`${origin}/graphiql`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) {
      expect(reference).toMatch(/^\/assets\//); // nothing from a CDN
      const asset = await fetch(`${origin}${reference}`);
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    // Apollo's landing page (which loads from a CDN) is off: a browser GET of /graphql gets no page.
    const landing = await fetch(pipeline.apiUrl, { headers: { accept: 'text/html' } });
    expect(await landing.text()).not.toMatch(/<script|apollographql\.com/);
  });

  it('passes every MUST of the GraphQL-over-HTTP server audits (graphql-http)', async () => {
    const results = await auditServer({ url: pipeline.apiUrl });
    const musts = results.filter((result) => result.name.startsWith('MUST'));
    expect(musts.length).toBeGreaterThan(0);
    const failed = musts
      .filter((result) => result.status !== 'ok')
      .map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(failed).toEqual([]);
  });

  it('keeps the subscription contract under a concurrent write storm: current value first, then only newer versions, ending at the final value', async () => {
    type Pushed = {
      ordersByStatus: { groups: Array<{ status: string; count: string }>; freshness: { version: string } };
    };
    const selection = '{ ordersByStatus { groups: rows { status count: orders } freshness { version } } }';
    const writers = [81, 82, 83, 84].map(async (seed) => {
      const writer = new pg.Client({ connectionString: process.env.READOUT_PG_URL });
      await writer.connect();
      const random = createRandom(seed);
      for (let i = 0; i < 60; i += 1)
        await runOperation(writer, random, { inserts: 5, updates: 4, deletes: 1 });
      await writer.end();
    });
    // Subscribers join while the storm runs, each remembering the version current when it joined.
    const subscribers: Array<{ joinedAt: bigint; subscription: ReturnType<typeof subscribeWs<Pushed>> }> = [];
    for (let i = 0; i < 8; i += 1) {
      const now = await queryHttp<Pushed>(pipeline.apiUrl, selection);
      subscribers.push({
        joinedAt: BigInt(now.ordersByStatus.freshness.version),
        subscription: subscribeWs<Pushed>(pipeline.apiUrl, `subscription ${selection}`),
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await Promise.all(writers);
    await settle();
    const final = await queryHttp<Pushed>(pipeline.apiUrl, selection);
    const finalVersion = final.ordersByStatus.freshness.version;
    for (const { joinedAt, subscription } of subscribers) {
      const last = await subscription.until(
        (value) => value.ordersByStatus.freshness.version === finalVersion,
        30_000,
      );
      expect(last.ordersByStatus.groups).toEqual(final.ordersByStatus.groups);
      const versions = subscription.received.map((value) => BigInt(value.ordersByStatus.freshness.version));
      expect(versions[0]).toBeGreaterThanOrEqual(joinedAt); // the current value first, never an older one
      for (let i = 1; i < versions.length; i += 1)
        expect(versions[i]).toBeGreaterThan(versions[i - 1] ?? -1n);
      await subscription.close();
    }
  });

  it('closes a subscriber that does not read with 4600 once its unsent bytes pass the limit', async () => {
    // Big answers: an order in each of the last 800 hours (inside the model's 35 days), so an hourly aggregate has 800 rows.
    await db.query(
      `INSERT INTO orders (customer, status, amount, created_at)
       SELECT 'hourly', 'paid', 10.00, now() - g * interval '1 hour' FROM generate_series(1, 800) g`,
    );
    await settle();
    const port = await freePort();
    const api = startReadout(`${pipeline.id}-slow-api`, 'api', {
      READOUT_KEY_PREFIX: pipeline.id,
      READOUT_API_PORT: String(port),
      READOUT_API_SLOW_CLIENT_BYTES: '65536',
      READOUT_API_COALESCE_MS: '0',
      // A client that does not read does not answer pings either: without this, on a slow day the
      // keep-alive could drop it (1006) before its unsent bytes pass the limit.
      READOUT_API_KEEPALIVE_MS: '0',
    });
    try {
      const url = `ws://127.0.0.1:${port}/graphql`;
      await waitForHealthy(`http://127.0.0.1:${port}/healthz`);
      const socket = new WebSocket(url, 'graphql-transport-ws');
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      await new Promise((resolve) => socket.once('open', resolve));
      const acked = new Promise((resolve) => socket.once('message', resolve));
      socket.send(JSON.stringify({ type: 'connection_init' }));
      await acked;
      // Stop reading: what the server sends piles up in the kernel's buffers, then in its own.
      (socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const query = (limit: number) =>
        `subscription { aggregate(readModel: "revenue_by_hour", limit: ${limit}) { rows { time { start local } measures { name integer decimal } } } }`;
      for (let i = 0; i < 24; i += 1)
        socket.send(
          JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: query(1000 - i) } }),
        );
      // Each change pushes ~100 KB to each of the 24 subscriptions: sooner or later past what the
      // kernel's socket buffers absorb (the kernel tunes their size), then past the limit. The
      // API counts the close on /metrics before the client, not reading, can see it.
      const closedByServer = async () =>
        (await metricValue(`http://127.0.0.1:${port}`, 'readout_api_slow_clients_closed_total')) === 1;
      // Bounded by time, not by a count of changes: how much the kernel absorbs (its receive
      // buffer grows up to net.ipv4.tcp_rmem's maximum, 32 MiB here) decides how many it takes.
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && !(await closedByServer())) {
        await db.query(`INSERT INTO orders (customer, status, amount) VALUES ('slow-reader', 'paid', 1.00)`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      (socket as unknown as { _socket: { resume(): void } })._socket.resume(); // to read the close frame
      const timeout = new Promise<string>((resolve) =>
        setTimeout(() => resolve('no close frame within 30 s'), 30_000),
      );
      expect(await Promise.race([closed, timeout])).toBe(4600);
    } finally {
      await api.stop();
      // Later files archive by age: leave them no rows they did not write. In transactions under
      // the mass-delete threshold (1000 rows), so that the guard does not hold them.
      while (
        (
          await db.query(
            `DELETE FROM orders WHERE id IN (SELECT id FROM orders WHERE customer IN ('hourly', 'slow-reader') LIMIT 500)`,
          )
        ).rowCount
      );
      await settle();
    }
  });
});
