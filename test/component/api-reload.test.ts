/**
 * `readout api` picks up changed definitions without a restart (SIGHUP; the API's wiring
 * `reload`): a new model gets its typed query and subscription, open subscriptions go on, a
 * removed model's field goes, and invalid files are refused while the previous definitions keep
 * being served. In this process, over a real redis-server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/definitions/index.ts';
import { compileModel, type CompiledModel } from '../../src/projection/index.ts';
import { createRedisStore, type ReadModelStore } from '../../src/store/index.ts';
import { subscribeWs } from '../support/graphql-clients.ts';
import { applyPaidOrders, startApiInProcess, type InProcessApi } from '../support/in-process-api.ts';
import { postGraphQL } from '../support/raw-graphql.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

const directory = mkdtempSync(join(tmpdir(), 'readout-reload-'));
const prefix = 'reload';
const BY_STATUS = `name: paid_by_status
source: public.orders
dimensions: [{ column: status }]
measures: [{ name: orders, type: count }]
`;
const BY_CUSTOMER = `name: customer_revenue
description: Revenue per customer.
source: public.orders
dimensions: [{ column: customer }]
measures: [{ name: revenue, type: sum, column: amount, scale: 2 }]
`;

/** The model a file defines, compiled as the API compiles it. */
function compiled(name: string): CompiledModel {
  const found = loadDefinitions(directory).find(({ definition }) => definition.name === name);
  if (!found) throw new Error(`no definition ${name}`);
  return compileModel(found.definition);
}

async function query(url: string, text: string) {
  const { body } = await postGraphQL(url, text);
  return body;
}

/** A query over HTTP whose body is sent in two parts: the second when `finish` is called. */
function slowQuery(url: string, text: string) {
  const body = JSON.stringify({ query: text });
  let finish: () => void = () => undefined;
  let started: () => void = () => undefined;
  const answer = new Promise<{ status: number | undefined; body: unknown }>((resolve, reject) => {
    const request = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    request.on('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode, body: JSON.parse(text) as unknown }));
    });
    request.on('error', reject);
    request.write(body.slice(0, 10), () => started());
    finish = () => request.end(body.slice(10));
  });
  return { answer, started: new Promise<void>((resolve) => (started = resolve)), finish: () => finish() };
}

let redis: TestRedis;
let store: ReadModelStore;
let api: InProcessApi;

beforeAll(async () => {
  writeFileSync(join(directory, 'paid-by-status.yaml'), BY_STATUS);
  redis = await startRedis();
  store = createRedisStore({ ...redis.options, keyPrefix: prefix });
  await applyPaidOrders(store, compiled('paid_by_status'), [[1000, 'acme']]);
  api = await startApiInProcess({
    READOUT_REDIS_URL: redis.options.url,
    READOUT_KEY_PREFIX: prefix,
    READOUT_READMODELS_DIR: directory,
  });
});

afterAll(async () => {
  await api?.stop();
  await store?.quit();
  await redis?.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe('reloading the definitions in a running API', () => {
  it('serves a new model’s typed fields, keeps open subscriptions, and drops a removed model', async () => {
    expect((await query(api.url, '{ paidByStatus { rows { status orders } } }')).data).toEqual({
      paidByStatus: { rows: [{ status: 'paid', orders: '1' }] },
    });
    const before = await query(api.url, '{ customerRevenue { rows { customer } } }');
    expect(before.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const open = subscribeWs<{ paidByStatus: { rows: Array<{ orders: string }> } }>(
      api.url,
      'subscription { paidByStatus { rows { orders } } }',
    );
    await open.until((value) => value.paidByStatus.rows[0]?.orders === '1', 10_000);

    writeFileSync(join(directory, 'customer-revenue.yaml'), BY_CUSTOMER);
    await applyPaidOrders(store, compiled('customer_revenue'), [
      [1234, 'acme'],
      [99, 'globex'],
    ]);
    expect(await api.reload()).toEqual({ added: ['customer_revenue'], changed: [], removed: [] });
    expect((await query(api.url, '{ customerRevenue { rows { customer revenue } } }')).data).toEqual({
      customerRevenue: {
        rows: [
          { customer: 'acme', revenue: '12.34' },
          { customer: 'globex', revenue: '0.99' },
        ],
      },
    });
    const added = subscribeWs<{ customerRevenue: { rows: Array<{ revenue: string }> } }>(
      api.url,
      'subscription { customerRevenue(where: { customer: ["acme"] }) { rows { revenue } } }',
    );
    await added.until((value) => value.customerRevenue.rows[0]?.revenue === '12.34', 10_000);

    // The subscription opened before the reload still gets every newer version.
    await applyPaidOrders(store, compiled('paid_by_status'), [[500, 'globex']], 100);
    await open.until((value) => value.paidByStatus.rows[0]?.orders === '2', 10_000);
    await Promise.all([open.close(), added.close()]);

    rmSync(join(directory, 'customer-revenue.yaml'));
    expect(await api.reload()).toEqual({ added: [], changed: [], removed: ['customer_revenue'] });
    const gone = await query(api.url, '{ customerRevenue { rows { customer } } }');
    expect(gone.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('answers every request while reloads swap the schema, and serves the last definitions asked for', async () => {
    // A request whose body is still arriving when the schema is swapped under it.
    const slow = slowQuery(api.url, '{ paidByStatus { rows { orders } } }');
    await slow.started;
    // Reloads racing each other and the queries: the files change between them.
    writeFileSync(join(directory, 'customer-revenue.yaml'), BY_CUSTOMER);
    const first = api.reload();
    rmSync(join(directory, 'customer-revenue.yaml'));
    const second = api.reload();
    const third = api.reload();
    await Promise.all([first, second, third]);
    slow.finish();
    expect(await slow.answer).toEqual({
      status: 200,
      body: { data: { paidByStatus: { rows: [{ orders: '2' }] } } },
    });
    const gone = await query(api.url, '{ customerRevenue { rows { customer } } }');
    expect(gone.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('keeps /readyz at 200 while no projector has taken an added model on yet, listing it', async () => {
    writeFileSync(
      join(directory, 'customer-revenue-2.yaml'),
      BY_CUSTOMER.replace('customer_revenue', 'late_model'),
    );
    await api.reload();
    const response = await fetch(api.url.replace('/graphql', '/readyz'));
    const body = (await response.json()) as { backfilling?: Record<string, string> };
    expect(response.status).toBe(200);
    expect(body.backfilling?.late_model).toMatch(/not taken on by a projector yet/);
    const refused = await query(api.url, '{ lateModel { rows { customer } } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('READ_MODEL_NOT_READY');
    rmSync(join(directory, 'customer-revenue-2.yaml'));
    await api.reload();
  });

  it('refuses invalid definitions, naming the file, and keeps serving the previous ones', async () => {
    writeFileSync(join(directory, 'broken.yaml'), 'name: Broken Name\nsource: public.orders\nmeasures: []\n');
    await expect(api.reload()).rejects.toThrow(/broken\.yaml/);
    rmSync(join(directory, 'broken.yaml'));
    writeFileSync(join(directory, 'aggregate.yaml'), BY_STATUS.replace('paid_by_status', 'aggregate'));
    await expect(api.reload()).rejects.toThrow(/its field aggregate is already in Readout's own schema/);
    rmSync(join(directory, 'aggregate.yaml'));
    expect((await query(api.url, '{ paidByStatus { rows { orders } } }')).data).toEqual({
      paidByStatus: { rows: [{ orders: '2' }] },
    });
  });
});
