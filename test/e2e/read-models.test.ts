/**
 * Every demo read model, end to end on the real stack, against its SQL oracle: SQL writes →
 * Debezium → Kafka → projector process → Redis; the oracle is a GROUP BY over the source tables
 * (and, for the flow model, an audit trigger that records each move into "shipped").
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom, runOperation } from '../../src/demo/workload.js';
import { loadDefinitions } from '../../src/definitions/index.js';
import { compileModel, type CompiledModel } from '../../src/projection/index.js';
import { createRedisStore, type ReadModelStore } from '../../src/store/index.js';
import { decimalFromString, formatUnscaled } from '../../src/decode/index.js';
import { installShippedAudit, shippedAudit } from '../support/oracle-audit.js';
import { snapshotView } from '../support/read-model-views.js';
import { startReadout, type ReadoutProcess } from '../support/readout-process.js';
import { sqlOracles } from '../support/sql-oracles.js';

const pgUrl = process.env.READOUT_PG_URL ?? '';
const redisUrl = process.env.READOUT_REDIS_URL ?? '';
const models: CompiledModel[] = loadDefinitions(new URL('../../readmodels/', import.meta.url).pathname).map(
  ({ definition }) => compileModel(definition),
);
const id = `models-${randomUUID().slice(0, 8)}`;
let db: pg.Client;
let store: ReadModelStore;
let projector: ReadoutProcess | undefined;

/** A last transaction touching both source tables; its txid tells when everything before it is applied. */
async function markerTxId(): Promise<bigint> {
  const { rows } = await db.query<{ txid: string }>(
    `WITH o AS (INSERT INTO orders (customer, status, amount) VALUES ('marker', 'pending', 1.00) RETURNING id)
     INSERT INTO order_items (order_id, product, quantity, unit_price) SELECT id, 'marker', 1, 1.00 FROM o
     RETURNING txid_current()::text AS txid`,
  );
  return BigInt(rows[0]?.txid ?? '0');
}

async function waitAllApplied(txId: bigint, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const model of models) {
    for (;;) {
      const applied = (await store.readSnapshot(model)).source.txId;
      if (applied !== null && BigInt(applied) >= txId) break;
      if (Date.now() > deadline)
        throw new Error(`${model.name} did not reach txId ${txId} (at ${applied ?? 'nothing'})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function shippedTotals(): Promise<{ count: bigint; amount: bigint }> {
  const model = models.find((m) => m.name === 'orders_shipped_per_minute');
  if (!model) throw new Error('orders_shipped_per_minute is not defined');
  const snapshot = await store.readSnapshot(model);
  let count = 0n;
  let amount = 0n;
  for (const bucket of snapshot.buckets) {
    for (const group of bucket.groups) {
      count += group.counters.shipped ?? 0n;
      amount += group.counters.shipped_amount ?? 0n;
    }
  }
  return { count, amount };
}

function cents(text: string): bigint {
  const value = decimalFromString(text);
  if (!value) throw new Error(`not a decimal: ${text}`);
  return (value.unscaled * 100n) / 10n ** BigInt(value.scale);
}

beforeAll(async () => {
  if (!pgUrl || !redisUrl)
    throw new Error('READOUT_PG_URL / READOUT_REDIS_URL are not set: run the e2e tests with `npm test`');
  db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  await installShippedAudit(db);
  store = createRedisStore({ url: redisUrl, keyPrefix: id });
  projector = startReadout(`${id}-projector`, 'projector', {
    READOUT_CONSUMER_GROUP: id,
    READOUT_KEY_PREFIX: id,
  });
});

afterAll(async () => {
  await projector?.stop();
  await store?.quit();
  await db?.end();
});

describe('every demo read model equals its SQL oracle', () => {
  it('after a mixed workload of inserts (with order lines), status updates and deletes', async () => {
    await waitAllApplied(await markerTxId());
    const shippedBefore = await shippedTotals();
    const auditBefore = await shippedAudit(db);

    const random = createRandom(2026);
    for (let i = 0; i < 400; i += 1) await runOperation(db, random, { inserts: 5, updates: 4, deletes: 2 });
    await waitAllApplied(await markerTxId());

    for (const model of models) {
      const oracle = sqlOracles[model.name];
      if (!oracle) continue;
      expect({ model: model.name, view: snapshotView(model, await store.readSnapshot(model)) }).toEqual({
        model: model.name,
        view: await oracle(db),
      });
    }

    const shippedAfter = await shippedTotals();
    const auditAfter = await shippedAudit(db);
    expect(auditAfter.count - auditBefore.count).toBeGreaterThan(0n);
    expect(shippedAfter.count - shippedBefore.count).toBe(auditAfter.count - auditBefore.count);
    expect(formatUnscaled(shippedAfter.amount - shippedBefore.amount, 2)).toBe(
      formatUnscaled(cents(auditAfter.amount) - cents(auditBefore.amount), 2),
    );
  });
});
