/**
 * Definitions reloaded without a restart, on the real stack. A projector starts on a copy of
 * readmodels/ without the order_items model (a first start on an empty key prefix: no loss in
 * `readout status`). Then models are added to the copy: one grouping public.orders, a table that
 * already holds rows and whose topic the projector reads; the order_items one, a topic it does not
 * read yet; one on a table with no topic at all. `readout reload` makes the running projector
 * take them on: the first two are backfilled from Kafka and then equal SQL's GROUP BY exactly,
 * served by an API's generic `aggregate`, the third is ready and empty; the projector's pid never
 * changes and status shows no loss. Invalid definitions are refused by `readout reload` and, on
 * SIGHUP, by the projector, which keeps running the ones in force; a removed model is dropped.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/cli/status-report.ts';
import { loadDefinitions, loadSources } from '../../src/definitions/index.ts';
import { compileModel, type CompiledModel } from '../../src/projection/index.ts';
import type { ReadModelStore } from '../../src/store/index.ts';
import { waitApplied } from '../support/caught-up.ts';
import { freePort } from '../support/free-port.ts';
import { queryHttp } from '../support/graphql-clients.ts';
import { connectToStack, markerTxId, oracleRelations } from '../support/model-checks.ts';
import { snapshotView } from '../support/read-model-views.ts';
import {
  runReadout,
  startReadout,
  waitForHealthy,
  waitForReady,
  type ReadoutProcess,
} from '../support/readout-process.ts';
import { sqlOracles } from '../support/sql-oracles.ts';

const readModels = new URL('../../readmodels/', import.meta.url).pathname;
const id = `reload-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'readout-reload-'));
const customers = [1, 2, 3, 4].map((n) => `${id}-customer-${n}`);
let env: Record<string, string>;
let projector: ReadoutProcess;
let projectorUrl: string;
const others: ReadoutProcess[] = [];
let db: pg.Client;
let store: ReadModelStore;

const ORDERS_BY_CUSTOMER = `name: orders_by_customer
description: Orders and revenue per customer (added to a running projector by the reload test).
source: public.orders
dimensions:
  - column: customer
measures:
  - { name: orders, type: count }
  - { name: revenue, type: sum, column: amount, scale: 2 }
`;
const REFUNDS_BY_REASON = `name: refunds_by_reason
source: public.${id.replace('-', '_')}_refunds
dimensions:
  - column: reason
measures:
  - { name: refunds, type: count }
`;

async function status(): Promise<{ code: number | null; report: StatusReport }> {
  const result = await runReadout(['status', '--json'], env);
  return { code: result.code, report: JSON.parse(result.stdout) as StatusReport };
}

const stateOf = (report: StatusReport, name: string) =>
  report.readModels.find((model) => model.name === name)?.state;

/** The models of the copied definitions, as the projector compiles them. */
function modelsInDir(): Map<string, CompiledModel> {
  const sources = new Map(loadSources(dir).map((source) => [source.table, source]));
  return new Map(
    loadDefinitions(dir).map(({ definition }) => [
      definition.name,
      compileModel(definition, sources.get(definition.source)),
    ]),
  );
}

/** Orders (with lines) of the test's own customers, in one transaction. */
async function insertOrders(count: number, seed: number): Promise<void> {
  const values = Array.from({ length: count }, (_, i) => {
    const customer = customers[(seed + i) % customers.length] ?? '';
    return `('${customer}', '${['pending', 'paid', 'shipped'][i % 3]}', ${(seed * 7 + i * 13) % 500}.${(i * 37) % 100})`;
  });
  await db.query(
    `WITH o AS (INSERT INTO orders (customer, status, amount) VALUES ${values.join(', ')} RETURNING id)
     INSERT INTO order_items (order_id, product, quantity, unit_price)
     SELECT id, 'reload-product-' || (id % 3), 1 + (id % 4)::int, 2.50 FROM o`,
  );
}

beforeAll(async () => {
  for (const file of readdirSync(readModels))
    if (file !== 'items-by-product.yaml') copyFileSync(join(readModels, file), join(dir, file));
  ({ db, store } = await connectToStack(id));
  await insertOrders(40, 1); // both tables hold rows before anything starts
  const port = await freePort();
  projectorUrl = `http://127.0.0.1:${port}`;
  env = {
    READOUT_CONSUMER_GROUP: id,
    READOUT_KEY_PREFIX: id,
    READOUT_READMODELS_DIR: dir,
    READOUT_PROJECTOR_PORT: String(port),
    READOUT_API_PORT: String(await freePort()),
  };
  projector = startReadout(`${id}-projector`, 'projector', env);
  await waitForHealthy(`${projectorUrl}/readyz`, 120_000);
});

afterAll(async () => {
  await Promise.all([projector?.stop(), ...others.map((process) => process.stop())]);
  await store?.quit();
  await db?.end();
  rmSync(dir, { recursive: true, force: true });
});

describe('reloading the read-model definitions', () => {
  it('a first start on an empty Redis is not a loss', async () => {
    const { report } = await status();
    expect(report.redis.losses).toEqual([]);
    for (const model of report.readModels) expect(`${model.name} ${model.state}`).toBe(`${model.name} ready`);
  });

  it('takes added models on without a restart: backfilled, then equal to SQL; a model without a topic is ready and empty', async () => {
    const pid = projector.pid;
    writeFileSync(join(dir, 'orders-by-customer.yaml'), ORDERS_BY_CUSTOMER);
    copyFileSync(join(readModels, 'items-by-product.yaml'), join(dir, 'items-by-product.yaml'));
    writeFileSync(join(dir, 'refunds-by-reason.yaml'), REFUNDS_BY_REASON);
    const reload = await runReadout(['reload'], env);
    expect(reload.code, reload.stdout + reload.stderr).toBe(0);
    expect(reload.stdout).toContain(`projector ${pid}@`);
    expect(reload.stdout).toContain('added items_by_product, orders_by_customer, refunds_by_reason');

    // Changes keep flowing during and after the backfill.
    await insertOrders(12, 2);
    await db.query(`UPDATE orders SET status = 'shipped', amount = amount + 1.01 WHERE customer = $1`, [
      customers[0],
    ]);
    await db.query(`DELETE FROM orders WHERE id = (SELECT min(id) FROM orders WHERE customer = $1)`, [
      customers[1],
    ]);
    const added = ['orders_by_customer', 'items_by_product', 'refunds_by_reason'];
    await expect
      .poll(
        async () => {
          const { report } = await status();
          return added.map((name) => stateOf(report, name));
        },
        { timeout: 120_000 },
      )
      .toEqual(['ready', 'ready', 'ready']);
    const models = modelsInDir();
    const marker = await markerTxId(db);
    const written = ['orders_by_customer', 'items_by_product'].map(
      (name) => models.get(name) as CompiledModel,
    );
    await waitApplied(store, written, marker);

    // Served by an API that reads the same definitions, through the generic `aggregate`.
    const apiUrl = `http://127.0.0.1:${env.READOUT_API_PORT}/graphql`;
    others.push(startReadout(`${id}-api`, 'api', env));
    await waitForReady(apiUrl);
    const served = await queryHttp<{
      aggregate: {
        rows: Array<{
          dimensions: Array<{ value: string }>;
          measures: Array<{ name: string; integer: string | null; decimal: string | null }>;
        }>;
      };
    }>(
      apiUrl,
      `query ($customers: [String]!) { aggregate(readModel: "orders_by_customer", where: [{ dimension: "customer", in: $customers }], measures: ["orders", "revenue"], limit: 1000) {
        rows { dimensions { value } measures { name integer decimal } } } }`,
      { customers },
    );
    const fromApi: Record<string, Record<string, string | null>> = {};
    for (const row of served.aggregate.rows)
      fromApi[row.dimensions[0]?.value ?? '?'] = Object.fromEntries(
        row.measures.map((m) => [m.name, m.integer ?? m.decimal]),
      );
    const { rows } = await db.query<{ customer: string; orders: string; revenue: string }>(
      `SELECT customer, count(*)::text AS orders, sum(amount)::text AS revenue
         FROM orders WHERE customer = ANY($1) GROUP BY customer`,
      [customers],
    );
    expect(fromApi).toEqual(
      Object.fromEntries(rows.map((row) => [row.customer, { orders: row.orders, revenue: row.revenue }])),
    );
    // The whole order_items model, against its GROUP BY (a topic new to the consumer, read from its start).
    const items = models.get('items_by_product') as CompiledModel;
    const oracle = sqlOracles.items_by_product;
    if (!oracle) throw new Error('items_by_product has no oracle');
    expect(snapshotView(items, await store.readSnapshot(items))).toEqual(
      await oracle(db, await oracleRelations(db, items)),
    );

    // A table with no topic: ready, and empty, with a freshness that says no change yet.
    const empty = await queryHttp<{
      aggregate: { rows: unknown[]; freshness: { version: string; sourceCommitTime: string | null } };
    }>(
      apiUrl,
      '{ aggregate(readModel: "refunds_by_reason") { rows { measures { name } } freshness { version sourceCommitTime } } }',
    );
    expect(empty.aggregate.rows).toEqual([]);
    expect(empty.aggregate.freshness.sourceCommitTime).toBeNull();
    expect(BigInt(empty.aggregate.freshness.version)).toBeGreaterThan(0n);
    expect((await fetch(apiUrl.replace('/graphql', '/readyz'))).status).toBe(200);

    // Nothing restarted, and nothing was taken for a loss.
    expect(projector.pid).toBe(pid);
    expect(await Promise.race([projector.exited.then(() => 'exited'), Promise.resolve('running')])).toBe(
      'running',
    );
    const { report } = await status();
    expect(report.redis.losses).toEqual([]);
    expect(readFileSync(projector.logFile, 'utf8')).toContain('restarting the consumer');
  });

  it('refuses invalid definitions and keeps the ones in force; a removed model is no longer projected', async () => {
    writeFileSync(join(dir, 'broken.yaml'), 'name: broken\nsource: public.orders\nmeasures: none\n');
    const refused = await runReadout(['reload'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/not sent.*\n(.*\n)*.*broken\.yaml: measures/);
    // The projector's own check, when asked by signal: it names the file and keeps running.
    projector.signal('SIGHUP');
    await expect
      .poll(() => readFileSync(projector.logFile, 'utf8'), { timeout: 30_000 })
      .toMatch(/definitions not reloaded, the ones in force stay[^\n]*\n?[^\n]*broken\.yaml/);
    rmSync(join(dir, 'broken.yaml'));
    rmSync(join(dir, 'orders-by-customer.yaml'));
    const removed = await runReadout(['reload'], env);
    expect(removed.code, removed.stdout + removed.stderr).toBe(0);
    expect(removed.stdout).toContain(`projector ${projector.pid}@`);
    expect(removed.stdout).toContain('removed orders_by_customer');
    const { report } = await status();
    expect(report.readModels.map((model) => model.state).every((state) => state === 'ready')).toBe(true);
    expect(report.redis.losses).toEqual([]);
    // (Dead letters of other tests' poison records may be listed: the topics are shared.)
    expect(report.trouble.filter((line) => /lost|no projector|definition changed/.test(line))).toEqual([]);
  });
});
