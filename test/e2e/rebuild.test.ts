/**
 * `readout rebuild` on the real stack: under live traffic, readers are served the old generation
 * until the switch and never see a wrong value; a read model whose definition changed is refused
 * until it is rebuilt, then equals SQL under the new definition.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDefinition, loadSources } from '../../src/definitions/index.ts';
import { compileModel } from '../../src/projection/index.ts';
import { modelKeys, tableLaneKeys, type ReadModelStore } from '../../src/store/index.ts';
import { backgroundWorkload } from '../support/background-workload.ts';
import { freePort } from '../support/free-port.ts';
import { queryHttp, subscribeWs } from '../support/graphql-clients.ts';
import {
  connectToStack,
  expectModelsEqualSql,
  markerTxId,
  oracleRelations,
  waitAllApplied,
} from '../support/model-checks.ts';
import { startPipeline, type Pipeline } from '../support/pipeline.ts';
import { snapshotView } from '../support/read-model-views.ts';
import { runReadout, startReadout, waitForHealthy, waitForReady } from '../support/readout-process.ts';

interface ByStatus {
  ordersByStatus: { groups: Array<{ status: string; count: string }>; freshness: { version: string } };
}
const SELECTION = '{ ordersByStatus { groups: rows { status count: orders } freshness { version } } }';
const total = (value: ByStatus) => value.ordersByStatus.groups.reduce((sum, g) => sum + BigInt(g.count), 0n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectNeverFewer(totals: readonly bigint[], what: string): void {
  for (let i = 1; i < totals.length; i += 1)
    expect(totals[i], `${what} ${i}: ${totals[i - 1]} then ${totals[i]} orders`).toBeGreaterThanOrEqual(
      totals[i - 1] ?? 0n,
    );
}

let pipeline: Pipeline;
let db: pg.Client;
let store: ReadModelStore;
let redis: Redis;

beforeAll(async () => {
  pipeline = await startPipeline('rebuild');
  ({ db, store } = await connectToStack(pipeline.id));
  redis = new Redis(process.env.READOUT_REDIS_URL ?? '');
});

afterAll(async () => {
  await pipeline?.stop();
  await db?.end();
  await store?.quit();
  redis?.disconnect();
});

describe('readout rebuild', () => {
  it('under live traffic serves the old generation until the switch; no reader sees a wrong value; then equal to SQL', async () => {
    const env = { READOUT_CONSUMER_GROUP: pipeline.id, READOUT_KEY_PREFIX: pipeline.id };
    // A history long enough for readers to be served while the rebuild reads it.
    await db.query(
      `INSERT INTO orders (customer, status, amount)
       SELECT 'history-' || (g % 7), (ARRAY['pending', 'paid', 'shipped'])[1 + g % 3], (g % 500) + 0.25
       FROM generate_series(1, 5000) g`,
    );
    await waitAllApplied(store, await markerTxId(db));
    // Inserts and status changes only: the number of orders never goes down, so a reader shown
    // a partly rebuilt generation would see it drop.
    const writes = backgroundWorkload(31, { inserts: 5, updates: 4, deletes: 0 }, 20);
    const subscription = subscribeWs<ByStatus>(pipeline.apiUrl, `subscription ${SELECTION}`);
    await subscription.until(() => true, 30_000);
    const polled: bigint[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        polled.push(total(await queryHttp<ByStatus>(pipeline.apiUrl, SELECTION))); // throws if refused
        await sleep(50);
      }
    })();
    const result = await runReadout(['rebuild', 'orders_by_status', 'revenue_by_hour'], env);
    await sleep(1000); // readers and pushes after the switch too
    polling = false;
    await poller;
    await writes.stop();
    writeFileSync(new URL('../../test-artifacts/rebuild-output.log', import.meta.url), result.stdout);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/[\d,]+ of [\d,]+ events \(\d+%\), [\d,]+ events\/s/);
    expect(result.stdout).toMatch(/orders_by_status → generation 1, revenue_by_hour → generation 1/);

    // Readers use generation 1; generation 0's keys are gone; the other models were not touched.
    const tag = (model: string) => modelKeys(pipeline.id, { name: model, table: 'public.orders' }).base;
    expect(await redis.hget(`${tag('orders_by_status')}:generation`, 'current')).toBe('1');
    expect(await redis.exists(`${tag('orders_by_status')}:meta`)).toBe(0);
    // The rebuilt generation remembers its rows in a lane of its own (it read the table from its start).
    const lanes = tableLaneKeys(pipeline.id, 'public.orders');
    expect(await redis.hget(lanes.registry, 'orders_by_status#1')).toBe('orders_by_status#1');
    expect(await redis.hget(lanes.registry, 'orders_by_status#0')).toBeNull();
    expect(await redis.hlen(lanes.rows('orders_by_status#1'))).toBeGreaterThan(0);
    expect(await redis.hget(`${tag('open_orders')}:generation`, 'current')).not.toBe('1');

    // Pushes until now: the marker below inserts an order and deletes it (a real decrease).
    const pushedDuringRebuild = subscription.received.map(total);
    await waitAllApplied(store, await markerTxId(db));
    await expectModelsEqualSql(store, db);
    const final = await queryHttp<ByStatus>(pipeline.apiUrl, SELECTION);
    await subscription.until(
      (value) => value.ordersByStatus.freshness.version === final.ordersByStatus.freshness.version,
      30_000,
    );
    expect(polled.length).toBeGreaterThan(10);
    expectNeverFewer(polled, 'answer');
    expectNeverFewer(pushedDuringRebuild, 'push');
    const versions = subscription.received.map((value) => BigInt(value.ordersByStatus.freshness.version));
    for (let i = 1; i < versions.length; i += 1) expect(versions[i]).toBeGreaterThan(versions[i - 1] ?? 0n);
    expect(subscription.received.at(-1)?.ordersByStatus.groups).toEqual(final.ordersByStatus.groups);
    await subscription.close();
  });

  it('a rebuild that fails exits non-zero, keeps the current generation serving and drops its own', async () => {
    const env = { READOUT_CONSUMER_GROUP: pipeline.id, READOUT_KEY_PREFIX: pipeline.id };
    const tag = modelKeys(pipeline.id, { name: 'orders_by_amount_band', table: 'public.orders' }).base;
    const before = await redis.hgetall(`${tag}:generation`);
    const current = Number(before.current ?? '0');
    const next = Math.max(Number(before.last ?? current), current) + 1;
    // The injected failure: in the generation the rebuild will write, the distinct customers of
    // orders below 50 are held by a string, so Redis refuses every change of such an order there.
    await redis.set(`${tag}:g${next}:dst:customers:-:["<50"]`, 'spoiled');
    const rebuilt = await runReadout(['rebuild', 'orders_by_amount_band'], env);
    expect(rebuilt.code, rebuilt.stdout).toBe(1);
    expect(rebuilt.stderr).toMatch(/\[REBUILD_FAILED\] the rebuilt orders_by_amount_band misses \d+ records/);
    // Readers never left the current generation; the rebuild's own is gone, dead letters and all.
    const after = await redis.hgetall(`${tag}:generation`);
    expect([after.current ?? '0', after.building]).toEqual([before.current ?? '0', undefined]);
    expect(await redis.keys(`${tag}:g${next}:*`)).toEqual([]);
    const letters = await store.listDeadLetters();
    const concernsDropped = (c: { model: string; generation: number }) =>
      c.model === 'orders_by_amount_band' && c.generation === next;
    expect(letters.filter((letter) => letter.concerns?.some(concernsDropped))).toEqual([]);
    await waitAllApplied(store, await markerTxId(db));
    await expectModelsEqualSql(store, db);
    const band = await queryHttp<{ ordersByAmountBand: { bands: Array<{ band: string }> } }>(
      pipeline.apiUrl,
      '{ ordersByAmountBand { bands: rows { band } } }',
    );
    expect(band.ordersByAmountBand.bands.map((b) => b.band)).toContain('<50');
  });

  it('refuses a read model whose definition changed until it is rebuilt, then serves the new definition', async () => {
    // The same read models, with other amount bands for orders_by_amount_band.
    const dir = mkdtempSync(join(tmpdir(), 'readout-models-'));
    cpSync(new URL('../../readmodels/', import.meta.url).pathname, dir, { recursive: true });
    const file = join(dir, 'orders-by-amount-band.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace("edges: ['50', '200', '1000']", "edges: ['100', '500']"),
    );
    const { definition } = parseDefinition(file, parse(readFileSync(file, 'utf8')) as unknown);
    if (!definition) throw new Error('the changed definition does not parse');
    const changed = compileModel(
      definition,
      loadSources(dir).find((source) => source.table === definition.source),
    );
    await pipeline.projector.stop();
    await pipeline.api.stop();
    const port = await freePort();
    const env = {
      READOUT_CONSUMER_GROUP: pipeline.id,
      READOUT_KEY_PREFIX: pipeline.id,
      READOUT_READMODELS_DIR: dir,
      READOUT_API_PORT: String(port),
    };
    const projector = startReadout(`${pipeline.id}-projector-changed`, 'projector', env);
    const api = startReadout(`${pipeline.id}-api-changed`, 'api', env);
    const apiUrl = `http://127.0.0.1:${port}/graphql`;
    try {
      await waitForHealthy(apiUrl.replace('/graphql', '/healthz'));
      await db.query(`INSERT INTO orders (customer, status, amount) VALUES ('band-test', 'paid', 321.00)`);
      await sleep(2000);

      const refused = await fetch(apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ ordersByAmountBand { bands: rows { band orders } } }' }),
      }).then(
        (response) =>
          response.json() as Promise<{ errors?: Array<{ message: string; extensions?: { code?: string } }> }>,
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('READ_MODEL_STALE');
      expect(refused.errors?.[0]?.message).toContain('readout rebuild orders_by_amount_band');
      await queryHttp(apiUrl, SELECTION); // the others are served
      const readyz = await fetch(apiUrl.replace('/graphql', '/readyz'));
      expect(readyz.status).toBe(503);
      const status = await runReadout(['status', '--json'], env);
      expect(status.code).toBe(1);
      const report = JSON.parse(status.stdout) as { readModels: Array<{ name: string; state: string }> };
      expect(report.readModels.find((m) => m.name === 'orders_by_amount_band')?.state).toBe('stale');

      const rebuilt = await runReadout(['rebuild', 'orders_by_amount_band'], env);
      expect(rebuilt.code, `${rebuilt.stdout}\n${rebuilt.stderr}`).toBe(0);
      await waitForReady(apiUrl);
      await waitAllApplied(store, await markerTxId(db));
      const answer = await queryHttp<{
        ordersByAmountBand: { bands: Array<{ band: string; orders: string }> };
      }>(apiUrl, '{ ordersByAmountBand { bands: rows { band orders } } }');
      // The oracle under the new bands, over live and archived orders ("archive: keep").
      const { rows } = await db.query<{ band: string; orders: string }>(
        `SELECT CASE WHEN amount < 100 THEN '<100' WHEN amount < 500 THEN '100..500' ELSE '>=500' END AS band,
                count(*)::text AS orders
         FROM ${(await oracleRelations(db, changed)).orders} AS orders GROUP BY 1`,
      );
      const byBand = (list: ReadonlyArray<{ band: string; orders: string }>) =>
        Object.fromEntries(list.map((g) => [g.band, g.orders]));
      expect(byBand(answer.ordersByAmountBand.bands)).toEqual(byBand(rows));
      expect(Object.keys(snapshotView(changed, await store.readSnapshot(changed))).length).toBe(rows.length);
    } finally {
      await db.query(`DELETE FROM orders WHERE customer = 'band-test'`);
      await projector.stop();
      await api.stop();
    }
  });
});
