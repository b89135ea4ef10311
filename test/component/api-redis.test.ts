/**
 * The API as `readout api` wires it, in this process, over a real redis-server: a query answers
 * the version Redis holds when it arrives (never an older one kept from a subscription), and an
 * API started while Redis is unreachable reports not ready and refuses queries with
 * DEPENDENCY_UNAVAILABLE instead of crashing, then serves once Redis is there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, modelKeys, type ReadModelStore } from '../../src/store/index.ts';
import { everyMeasureModel } from '../support/demo-models.ts';
import { freePort } from '../support/free-port.ts';
import { subscribeWs } from '../support/graphql-clients.ts';
import { applyPaidOrders, startApiInProcess, type InProcessApi } from '../support/in-process-api.ts';
import { postGraphQL } from '../support/raw-graphql.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

const model = everyMeasureModel('api_model');
const ORDERS =
  '{ aggregate(readModel: "api_model", measures: ["orders"]) { rows { measures { integer } } freshness { version } } }';

interface Orders {
  aggregate: { rows: Array<{ measures: Array<{ integer: string }> }>; freshness: { version: string } };
}

/** The paid orders the API answers, and the version it answers them at. */
async function paidOrders(url: string): Promise<{ orders: string | undefined; version: string }> {
  const { body } = await postGraphQL(url, ORDERS);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  const { aggregate } = body.data as Orders;
  return { orders: aggregate.rows[0]?.measures[0]?.integer, version: aggregate.freshness.version };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a query after the last subscriber left', () => {
  let redis: TestRedis;
  let store: ReadModelStore;
  let api: InProcessApi;
  const prefix = 'stale';

  beforeAll(async () => {
    redis = await startRedis();
    store = createRedisStore({ ...redis.options, keyPrefix: prefix });
    await applyPaidOrders(store, model, [
      [1000, 'acme'],
      [2000, 'globex'],
    ]);
    api = await startApiInProcess({ READOUT_REDIS_URL: redis.options.url, READOUT_KEY_PREFIX: prefix }, [
      model,
    ]);
  });

  afterAll(async () => {
    await api?.stop();
    await store?.quit();
    await redis?.stop();
  });

  it('answers what Redis holds now, even when no notice told the API of it', async () => {
    // A dashboard watches the model for a while (the API keeps its snapshot meanwhile), queries
    // are answered, then the dashboard leaves.
    const watcher = subscribeWs<Orders>(api.url, `subscription ${ORDERS}`);
    await watcher.until((value) => value.aggregate.rows.length > 0, 10_000);
    const before = await paidOrders(api.url);
    expect(before.orders).toBe('2');
    await watcher.close();

    // A change the API hears nothing of (a notice lost, as pub/sub may): written to Redis directly.
    const client = redis.client();
    const keys = modelKeys(prefix, model);
    const counters = await client.hgetall(keys.counters(null));
    const field = Object.keys(counters).find((name) => name.startsWith('orders|'));
    expect(field).toBeDefined();
    await client.hincrby(keys.counters(null), field ?? '', 5);
    const version = await client.hincrby(keys.meta, 'version', 1);
    client.disconnect();

    expect(await paidOrders(api.url)).toEqual({ orders: '7', version: String(version) });
  });
});

describe('an API started while Redis is unreachable', () => {
  let port: number;
  let api: InProcessApi;
  let redis: TestRedis | undefined;
  let store: ReadModelStore | undefined;

  beforeAll(async () => {
    port = await freePort();
    // The mass-delete guard on: its held-changes feed subscribes to Redis as the API starts.
    api = await startApiInProcess(
      {
        READOUT_REDIS_URL: `redis://127.0.0.1:${port}`,
        READOUT_KEY_PREFIX: 'down',
        READOUT_MASS_DELETE_ROWS: '1000',
      },
      [model],
    );
  });

  afterAll(async () => {
    await api?.stop();
    await store?.quit();
    await redis?.stop();
  });

  const readyz = async () => {
    const response = await fetch(api.url.replace('/graphql', '/readyz'));
    return { status: response.status, body: (await response.json()) as { notReady: Record<string, string> } };
  };

  it('stays up, says not ready with the reason, and refuses queries with DEPENDENCY_UNAVAILABLE', async () => {
    // Long enough for ioredis to give up on the first commands (a few reconnect attempts).
    await sleep(1500);
    const health = await fetch(api.url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.notReady.api_model).toMatch(/Redis/);
    for (const query of [ORDERS, '{ heldChanges { id } }']) {
      const { body } = await postGraphQL(api.url, query);
      expect(body.errors?.[0]?.extensions?.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(body.errors?.[0]?.message).toMatch(/Redis/);
    }
  });

  it('serves queries and subscriptions once Redis is there', async () => {
    const watcher = subscribeWs<Orders>(api.url, `subscription ${ORDERS}`);
    redis = await startRedis(port);
    store = createRedisStore({ ...redis.options, keyPrefix: 'down' });
    await applyPaidOrders(store, model, [[1500, 'acme']]);
    const deadline = Date.now() + 20_000;
    while ((await readyz()).status !== 200) {
      if (Date.now() > deadline) throw new Error(`/readyz still ${JSON.stringify(await readyz())}`);
      await sleep(200);
    }
    expect((await paidOrders(api.url)).orders).toBe('1');
    const pushed = await watcher.until((value) => value.aggregate.rows.length > 0, 20_000);
    expect(pushed.aggregate.rows[0]?.measures[0]?.integer).toBe('1');
    await watcher.close();
  });
});
