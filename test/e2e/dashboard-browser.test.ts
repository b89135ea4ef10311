/**
 * The web pages in a real browser (Debian's headless Chromium driven by playwright-core) on the
 * real stack. The demo's hand-made page (/demo/, typed by graphql-codegen's client preset): panels
 * follow SQL writes, show the reconnecting state while the API is down and resync when it is
 * back, and the "keep" panels do not move while the archiver purges old orders. The generated
 * dashboard (/dashboard/): a panel per read model, each as SQL has it. The screenshots it saves
 * (test-artifacts/dashboard.png, test-artifacts/demo.png) are the docs'.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadModelStore } from '../../src/store/index.ts';
import { money } from '../../web/demo/money.ts';
import { count } from '../../web/shared/format.ts';
import { launchChromium } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import {
  connectToStack,
  demoModels,
  markerTxId,
  oracleRelations,
  waitAllApplied,
} from '../support/model-checks.ts';
import { runReadout, startReadout, waitForHealthy, type ReadoutProcess } from '../support/readout-process.ts';

const id = `browser-${randomUUID().slice(0, 8)}`;
const customer = `${id}-customer`;
let env: Record<string, string> = { READOUT_CONSUMER_GROUP: id, READOUT_KEY_PREFIX: id };
let db: pg.Client;
let store: ReadModelStore;
let projector: ReadoutProcess;
let api: ReadoutProcess;
let port: number;
let browser: Browser;
let page: Page;

const STATUS_PANEL = '[data-testid=orders-by-status]';
const TOP_PANEL = '[data-testid=top-customers]';
const keepModel = (name: string) => demoModels.find((m) => m.name === name) ?? demoModels[0]!;

function startApi(): ReadoutProcess {
  return startReadout(`${id}-api`, 'api', env);
}

/** The text of one element of the page. */
async function text(selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}

/** What the page must show for "paid" orders: SQL over the rows orders_by_status counts. */
async function statusFromSql(status = 'paid'): Promise<{ count: string; revenue: string }> {
  const { orders } = await oracleRelations(db, keepModel('orders_by_status'));
  const { rows } = await db.query<{ n: string; total: string }>(
    `SELECT count(*)::text AS n, coalesce(sum(amount), 0)::text AS total FROM ${orders} AS o WHERE status = $1`,
    [status],
  );
  return { count: count(rows[0]?.n ?? '0'), revenue: money(rows[0]?.total ?? '0') };
}

async function statusOnPage(status = 'paid'): Promise<{ count: string; revenue: string }> {
  const row = `${STATUS_PANEL} [data-testid=status-${status}]`;
  return {
    count: await text(`${row} [data-testid=count]`),
    revenue: await text(`${row} [data-testid=revenue]`),
  };
}

/** The best customer by revenue (cancelled orders excluded), as the top-customers panel shows it. */
async function topCustomerFromSql(): Promise<string> {
  const { orders } = await oracleRelations(db, keepModel('revenue_by_customer'));
  const { rows } = await db.query<{ customer: string; total: string }>(
    `SELECT customer, sum(amount)::text AS total FROM ${orders} AS o WHERE status <> 'cancelled'
     GROUP BY customer ORDER BY sum(amount) DESC LIMIT 1`,
  );
  return `${rows[0]?.customer} ${money(rows[0]?.total ?? '0')}`;
}

async function topCustomerOnPage(): Promise<string> {
  const first = `${TOP_PANEL} [data-testid=customer-1]`;
  return `${await text(`${first} .name`)} ${await text(`${first} [data-testid=revenue]`)}`;
}

/** The largest open (pending or paid) order: open_orders retracts archived rows, so live rows only. */
async function largestOpenFromSql(): Promise<string> {
  const { rows } = await db.query<{ largest: string | null }>(
    `SELECT max(amount)::text AS largest FROM orders WHERE status IN ('pending', 'paid')`,
  );
  return rows[0]?.largest === null || rows[0]?.largest === undefined ? 'none' : money(rows[0].largest);
}

async function connectionState(): Promise<string | null> {
  return await page.locator('[data-testid=connection]').getAttribute('data-state');
}

beforeAll(async () => {
  ({ db, store } = await connectToStack(id));
  port = await freePort();
  env = { ...env, READOUT_API_PORT: String(port) };
  projector = startReadout(`${id}-projector`, 'projector', env);
  api = startApi();
  await waitForHealthy(`http://127.0.0.1:${port}/healthz`);
  await waitAllApplied(store, await markerTxId(db));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await projector?.stop();
  await store?.quit();
  await db?.end();
});

describe("the demo's hand-made page in headless Chromium", () => {
  it('follows SQL writes, shows the reconnecting state while the API is down, and resyncs', async () => {
    await page.goto(`http://127.0.0.1:${port}/demo/`);
    await expect.poll(connectionState, { timeout: 15_000 }).toBe('live');
    await expect.poll(() => statusOnPage(), { timeout: 15_000 }).toEqual(await statusFromSql());

    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO orders (customer, status, amount)
       VALUES ($1, 'paid', 1234.56), ($1, 'paid', $2), ($1, 'paid', 0.10) RETURNING id::text`,
      // Its own total, so that a run on a stack where this test ran before has no tie for the top.
      [customer, `987${randomInt(100, 1000)}.${randomInt(10, 100)}`],
    );
    await db.query(`UPDATE orders SET status = 'pending', amount = 45.67 WHERE id = $1`, [rows[2]?.id]);
    await expect.poll(() => statusOnPage(), { timeout: 10_000 }).toEqual(await statusFromSql());
    await expect.poll(topCustomerOnPage, { timeout: 10_000 }).toBe(await topCustomerFromSql());
    await expect
      .poll(() => text('[data-testid=largest]'), { timeout: 10_000 })
      .toBe(await largestOpenFromSql());
    expect(await text('[data-testid=connection]')).toMatch(/^Live · \d+ ms behind the database/);
    await page.screenshot({ path: 'test-artifacts/demo.png' });

    await api.stop();
    await expect.poll(connectionState, { timeout: 15_000 }).toBe('reconnecting');
    // A change while the page cannot hear about it: it must appear after the reconnect.
    await db.query(`INSERT INTO orders (customer, status, amount) VALUES ($1, 'paid', 500.05)`, [customer]);
    const whileDown = await statusFromSql();
    expect(await statusOnPage()).not.toEqual(whileDown);
    api = startApi();
    await waitForHealthy(`http://127.0.0.1:${port}/healthz`);
    await expect.poll(connectionState, { timeout: 15_000 }).toBe('live');
    await expect.poll(() => statusOnPage(), { timeout: 10_000 }).toEqual(whileDown);
  });

  it('keeps the "keep" panels still while the archiver purges old orders', async () => {
    await db.query(
      `INSERT INTO orders (customer, status, amount, created_at)
       SELECT $1, (ARRAY['pending','paid','shipped','delivered'])[1 + g % 4], 10 + g, now() - interval '70 days' - g * interval '1 hour'
       FROM generate_series(1, 40) g`,
      [`${id}-old`],
    );
    await waitAllApplied(store, await markerTxId(db));
    // The page too, pending orders included: the marker is a pending order, inserted then deleted
    // (its delete waits for its transaction's END), and the page must show it gone before the
    // panels are taken as they stand.
    await expect.poll(() => statusOnPage(), { timeout: 10_000 }).toEqual(await statusFromSql());
    await expect
      .poll(() => statusOnPage('pending'), { timeout: 10_000 })
      .toEqual(await statusFromSql('pending'));
    const keepPanels = async () => [await text(STATUS_PANEL), await text(TOP_PANEL)];
    const before = await keepPanels();

    let archiving = true;
    const archived = runReadout(['archive', '--table', 'public.orders', '--older-than', '60d'], env).finally(
      () => (archiving = false),
    );
    const seen: string[][] = [];
    while (archiving) {
      seen.push(await keepPanels());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const result = await archived;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('archived 40/40 rows');
    await waitAllApplied(store, await markerTxId(db));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // any push after the last apply
    seen.push(await keepPanels());
    expect(seen.length).toBeGreaterThan(2);
    for (const sample of seen) expect(sample).toEqual(before);
    // The rows did leave the table: the panels stayed because they keep archived rows.
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM orders WHERE customer = $1',
      [`${id}-old`],
    );
    expect(rows[0]?.n).toBe('0');
  });
});

describe('the generated dashboard in headless Chromium', () => {
  it('shows a panel per read model, chosen by its shape, each as SQL has it', async () => {
    const dashboard = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await dashboard.goto(`http://127.0.0.1:${port}/dashboard/`);
    const panel = (model: string) => `[data-testid=model-${model}]`;
    for (const model of demoModels) await dashboard.locator(panel(model.name)).waitFor({ timeout: 15_000 });
    await expect
      .poll(() => dashboard.locator('[data-testid=connection]').getAttribute('data-state'), {
        timeout: 15_000,
      })
      .toBe('live');
    await waitAllApplied(store, await markerTxId(db));
    // A table (orders_by_status: one dimension), row by row against SQL.
    const { orders } = await oracleRelations(db, keepModel('orders_by_status'));
    const { rows: byStatus } = await db.query<{ status: string; n: string }>(
      `SELECT status, count(*)::text AS n FROM ${orders} AS o GROUP BY status ORDER BY status`,
    );
    const tableOnPage = async () =>
      Promise.all(
        byStatus.map(async (_row, i) => {
          const row = dashboard.locator(`${panel('orders_by_status')} [data-testid=row-${i + 1}]`);
          return {
            status: ((await row.locator('[data-testid=status]').textContent()) ?? '').trim(),
            n: ((await row.locator('[data-testid=orders]').textContent()) ?? '').trim(),
          };
        }),
      );
    await expect
      .poll(tableOnPage, { timeout: 15_000 })
      .toEqual(byStatus.map((row) => ({ status: row.status, n: count(row.n) })));
    // A big number (open_orders: no dimension), a ranking (revenue_by_customer: top-N), bars
    // (revenue_by_hour: time alone).
    const { rows: open } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM orders WHERE status IN ('pending', 'paid')`,
    );
    await expect
      .poll(async () =>
        (await dashboard.locator(`${panel('open_orders')} [data-testid=orders]`).textContent())?.trim(),
      )
      .toBe(count(open[0]?.n ?? '0'));
    expect(await dashboard.locator(`${panel('revenue_by_customer')} [data-testid=rank-1]`).count()).toBe(1);
    expect(await dashboard.locator(`${panel('revenue_by_hour')} .bar`).count()).toBeGreaterThan(0);
    await dashboard.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
    await dashboard.close();
  });
});

describe('GraphiQL in headless Chromium', () => {
  it('runs its default query against the API, with nothing loaded from outside the API', async () => {
    const graphiql = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const origin = `http://127.0.0.1:${port}`;
    const elsewhere: string[] = [];
    const failed: string[] = [];
    graphiql.on('request', (request) => {
      if (!request.url().startsWith(origin) && !/^(data|blob):/.test(request.url()))
        elsewhere.push(request.url());
    });
    graphiql.on('requestfailed', (request) => failed.push(request.url()));
    await graphiql.goto(`${origin}/graphiql/`);
    // The editor is up once it shows the default query; then run it with the execute button.
    // Monaco renders spaces as no-break spaces: compare with whitespace made plain.
    const plain = async (selector: string) =>
      (await graphiql.locator(selector).innerText()).replace(/\s+/g, ' ');
    await expect
      .poll(() => plain('.graphiql-query-editor'), { timeout: 20_000 })
      .toContain('query Dashboard');
    await graphiql.locator('.graphiql-execute-button').click();
    const result = () => plain('.result-window');
    await expect.poll(result, { timeout: 15_000 }).toContain('"ordersByStatus"');
    expect(await result()).not.toContain('"errors"');
    expect(elsewhere).toEqual([]);
    expect(failed).toEqual([]);
    await graphiql.close();
  });
});
