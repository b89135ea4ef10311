/**
 * Cleanups on the real stack: the archiver under a business workload (and with the projector
 * killed mid-purge), an untagged mass delete held and released both ways, a declared-retention
 * purge by plain SQL, and a held TRUNCATE. The oracle is SQL: models with "archive: keep" equal
 * a GROUP BY over live ∪ archived rows, the others over live rows.
 *
 * Runs after the other end-to-end files (its own vitest project): it archives, truncates and holds
 * changes that a later projector reading the topics from the start would have to decide again.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGuardStore,
  type GuardStore,
  type HeldChange,
  type ReadModelStore,
} from '../../src/store/index.ts';
import {
  connectToStack,
  demoModels,
  expectModelsEqualSql,
  markerTxId,
  waitAllApplied,
} from '../support/model-checks.ts';
import { snapshotView, type ModelView } from '../support/read-model-views.ts';
import { freePort } from '../support/free-port.ts';
import { queryHttp, subscribeWs } from '../support/graphql-clients.ts';
import { runReadout, startReadout, waitForHealthy, type ReadoutProcess } from '../support/readout-process.ts';

const id = `cleanup-${randomUUID().slice(0, 8)}`;
let env: Record<string, string> = { READOUT_CONSUMER_GROUP: id, READOUT_KEY_PREFIX: id };
let api: ReadoutProcess;
let apiUrl: string;
let db: pg.Client;
let store: ReadModelStore;
let guard: GuardStore;
let projector: ReadoutProcess;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function settle(): Promise<void> {
  await waitAllApplied(store, await markerTxId(db));
}

/** Every state model's current view, by name (flow models have no state oracle). */
async function views(policy?: 'keep' | 'retract'): Promise<Record<string, ModelView>> {
  const result: Record<string, ModelView> = {};
  for (const model of demoModels) {
    if (model.kind !== 'state' || (policy && model.archive !== policy)) continue;
    result[model.name] = snapshotView(model, await store.readSnapshot(model));
  }
  return result;
}

/** Old orders (created `fromDays`..`toDays` ago), each with one order line. */
async function insertOldOrders(
  count: number,
  fromDays: number,
  toDays: number,
  withLines = true,
): Promise<void> {
  await db.query(
    `WITH o AS (
       INSERT INTO orders (customer, status, amount, created_at)
       SELECT 'old-' || (g % 17), (ARRAY['pending','paid','shipped','delivered','cancelled'])[1 + g % 5],
              (10 + (g * 7919) % 90000) / 100.0,
              now() - make_interval(days => $2) - (g % ($3 - $2)) * interval '1 day' - (g % 86400) * interval '1 second'
       FROM generate_series(1, $1) g RETURNING id)
     INSERT INTO order_items (order_id, product, quantity, unit_price)
     SELECT id, 'archived-widget', 1 + id % 4, 2.50 FROM o WHERE $4`,
    [count, fromDays, toDays, withLines],
  );
}

/** Inserts, status updates and business deletes on recent orders only, until stopped. */
function businessWorkload(client: pg.Client): { stop(): Promise<{ deletes: number; operations: number }> } {
  let running = true;
  let deletes = 0;
  let operations = 0;
  const loop = (async () => {
    while (running) {
      const roll = operations % 10;
      if (roll < 5) {
        await client.query(
          `WITH o AS (INSERT INTO orders (customer, status, amount) VALUES ('live-' || ($1::int % 5), 'pending', 12.34 + $1::int % 7) RETURNING id)
           INSERT INTO order_items (order_id, product, quantity, unit_price) SELECT id, 'gadget', 2, 4.20 FROM o`,
          [operations],
        );
      } else if (roll < 8) {
        await client.query(
          `UPDATE orders SET status = 'shipped', updated_at = now()
            WHERE id = (SELECT id FROM orders WHERE created_at > now() - interval '1 day' AND status = 'pending' ORDER BY random() LIMIT 1)`,
        );
      } else {
        const { rowCount } = await client.query(
          `DELETE FROM orders WHERE id = (SELECT id FROM orders WHERE created_at > now() - interval '1 day' ORDER BY random() LIMIT 1)`,
        );
        deletes += rowCount ?? 0;
      }
      operations += 1;
      await sleep(10);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { deletes, operations };
    },
  };
}

async function waitForHeld(expected: (held: HeldChange[]) => boolean): Promise<HeldChange[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const held = await guard.listHeld();
    if (expected(held)) return held;
    if (Date.now() > deadline) throw new Error(`held changes never matched: ${JSON.stringify(held)}`);
    await sleep(200);
  }
}

async function release(heldId: string, as: 'archive' | 'retract'): Promise<void> {
  const result = await runReadout(['held', 'release', heldId, '--as', as], env);
  expect(result.stderr + result.stdout).toContain(`released as ${as}`);
  expect(result.code).toBe(0);
}

/** The held-change lines of the API's Prometheus metrics. */
async function heldMetrics(): Promise<{ changes: string | undefined; rows: string | undefined }> {
  const text = await (await fetch(apiUrl.replace('/graphql', '/metrics'))).text();
  const lines = text.split('\n');
  return {
    changes: lines.find((line) => line.startsWith('readout_held_changes{')),
    rows: lines.find((line) => line.startsWith('readout_held_rows{')),
  };
}

function startProjector(): ReadoutProcess {
  return startReadout(`${id}-projector`, 'projector', env);
}

beforeAll(async () => {
  ({ db, store } = await connectToStack(id));
  guard = createGuardStore({ url: process.env.READOUT_REDIS_URL ?? '', keyPrefix: id });
  await db.query('CREATE TABLE IF NOT EXISTS test_kept_orders (LIKE orders)');
  await db.query('CREATE TABLE IF NOT EXISTS test_kept_order_items (LIKE order_items)');
  projector = startProjector();
  const port = await freePort();
  env = { ...env, READOUT_API_PORT: String(port) };
  api = startReadout(`${id}-api`, 'api', env);
  apiUrl = `http://127.0.0.1:${port}/graphql`;
  await waitForHealthy(`http://127.0.0.1:${port}/healthz`);
});

afterAll(async () => {
  await api?.stop();
  await projector?.stop();
  await guard?.quit();
  await store?.quit();
  await db?.end();
});

describe('cleanups never drain a dashboard', () => {
  /** Archives 10,000 old orders (with their lines) while a business workload runs; `during` may disturb it. */
  async function archiveUnderWorkload(olderThan: string, batchSize: string, during?: () => Promise<void>) {
    const workload = businessWorkload(db);
    const archiving = runReadout(
      ['archive', '--table', 'public.orders', '--older-than', olderThan, '--batch-size', batchSize],
      env,
    );
    await during?.();
    const archived = await archiving;
    const business = await workload.stop();
    expect(archived.code).toBe(0);
    expect(archived.stdout).toContain('archived 10000/10000 rows');
    expect(business.deletes).toBeGreaterThan(0);
    await settle();
    await expectModelsEqualSql(store, db);
  }

  it('the archiver purges old orders under a business workload: "keep" models keep them, business deletes subtract', async () => {
    await insertOldOrders(10_000, 60, 70);
    await settle();
    await archiveUnderWorkload('50d', '1000');
  });

  it('the same with the projector killed mid-purge and restarted (the archiver waits for it)', async () => {
    await insertOldOrders(10_000, 35, 45);
    await settle();
    await archiveUnderWorkload('30d', '500', async () => {
      for (;;) {
        const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM orders_archive');
        if (Number(rows[0]?.n) >= 12_000) break;
        await sleep(50);
      }
      await projector.stop('SIGKILL');
      await sleep(3000); // longer than the archiver's lag bound: it has to wait
      projector = startProjector();
    });
  });

  it('an untagged mass delete is held; released as archive "keep" models stay, released as retract they subtract', async () => {
    await db.query(
      `INSERT INTO orders (customer, status, amount) SELECT 'bulk-a', 'paid', 3.00 + g % 10 FROM generate_series(1, 1500) g`,
    );
    await settle();
    const before = await views();
    // A dashboard's banner: pushed the held set now (nothing), then whenever it changes.
    const banner = subscribeWs<{ heldChanges: Array<{ id: string; rows: number }> }>(
      apiUrl,
      'subscription { heldChanges { id rows } }',
    );
    await banner.until(() => true, 10_000);
    expect(banner.received[0]).toEqual({ heldChanges: [] });
    // A purge Readout does not know: the rows are copied aside only so the SQL oracle can count them.
    await db.query(
      `WITH gone AS (DELETE FROM orders WHERE customer = 'bulk-a' RETURNING *) INSERT INTO test_kept_orders SELECT * FROM gone`,
    );
    const [held] = await waitForHeld((all) => all.some((c) => c.kind === 'deletes' && c.rows === 1500));
    expect(held).toMatchObject({ kind: 'deletes', table: 'public.orders', rows: 1500 });
    expect(await views()).toEqual(before);
    const shown = await banner.until(
      (v) => v.heldChanges.some((c) => c.id === held?.id && c.rows === 1500),
      10_000,
    );
    // What a dashboard shows: "a large delete is waiting for a decision".
    const answer = await queryHttp<{ heldChanges: Array<Record<string, unknown>> }>(
      apiUrl,
      '{ heldChanges { id kind table rows heldSince } }',
    );
    expect(answer.heldChanges).toEqual([
      {
        id: held?.id,
        kind: 'DELETES',
        table: 'public.orders',
        rows: 1500,
        heldSince: expect.any(String) as string,
      },
    ]);
    // What monitoring sees: Prometheus gauges on the API's /metrics.
    expect(await heldMetrics()).toEqual({
      changes: 'readout_held_changes{table="public.orders",kind="deletes"} 1',
      rows: 'readout_held_rows{table="public.orders"} 1500',
    });
    await release(held?.id ?? '', 'archive');
    expect(await heldMetrics()).toEqual({ changes: undefined, rows: undefined });
    const after = banner.received.indexOf(shown);
    await banner.until((v) => banner.received.indexOf(v) > after && v.heldChanges.length === 0, 10_000);
    await banner.close();
    expect(await views('keep')).toEqual(pick(before, 'keep'));
    await settle();
    await expectModelsEqualSql(store, db);

    await db.query(
      `INSERT INTO orders (customer, status, amount) SELECT 'bulk-b', 'pending', 7.00 + g % 3 FROM generate_series(1, 1200) g`,
    );
    await settle();
    const beforeRetract = await views();
    await db.query(`DELETE FROM orders WHERE customer = 'bulk-b'`);
    const [heldB] = await waitForHeld((all) => all.some((c) => c.kind === 'deletes' && c.rows === 1200));
    expect(await views()).toEqual(beforeRetract);
    await release(heldB?.id ?? '', 'retract');
    await settle();
    await expectModelsEqualSql(store, db);
    expect(await guard.listHeld()).toEqual([]);
  });

  it('a purge by plain SQL of rows past the declared archival retention leaves "keep" models unchanged', async () => {
    await insertOldOrders(2000, 200, 210, false);
    await settle();
    // Copied aside only so the SQL oracle can count them: the DELETE itself carries no tag.
    await db.query(
      `WITH gone AS (DELETE FROM orders WHERE created_at < now() - interval '100 days' RETURNING *)
       INSERT INTO test_kept_orders SELECT * FROM gone`,
    );
    await settle();
    // Not held (the deletes are archival, not untagged), and the "keep" models still count the
    // purged rows: their oracle reads live ∪ kept rows.
    expect(await guard.listHeld()).toEqual([]);
    await expectModelsEqualSql(store, db);
  });

  it('a TRUNCATE is held like a mass delete, then released', async () => {
    await settle();
    const before = await views();
    await db.query('BEGIN');
    await db.query('INSERT INTO test_kept_orders SELECT * FROM orders');
    await db.query('TRUNCATE orders CASCADE');
    await db.query('COMMIT');
    const held = await waitForHeld((all) => all.filter((c) => c.kind === 'truncate').length === 2);
    expect(await views()).toEqual(before);
    const ordersTruncate = held.find((c) => c.table === 'public.orders');
    const itemsTruncate = held.find((c) => c.table === 'public.order_items');
    await release(ordersTruncate?.id ?? '', 'archive');
    await release(itemsTruncate?.id ?? '', 'retract');
    await settle();
    await expectModelsEqualSql(store, db);
  });
});

function pick(all: Record<string, ModelView>, policy: 'keep' | 'retract'): Record<string, ModelView> {
  const names = new Set(demoModels.filter((m) => m.archive === policy).map((m) => m.name));
  return Object.fromEntries(Object.entries(all).filter(([name]) => names.has(name)));
}
