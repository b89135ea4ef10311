/**
 * Every demo read model, end to end on the real stack, against its SQL oracle: SQL writes →
 * Debezium → Kafka → projector process → Redis; the oracle is a GROUP BY over the source tables
 * (and, for the flow model, an audit trigger that records each move into "shipped").
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createRandom, runOperation } from '../../demo/workload.ts';
import type { ReadModelStore } from '../../src/store/index.ts';
import {
  connectToStack,
  expectFlowMatchesAudit,
  expectModelsEqualSql,
  markShippedFlow,
  markerTxId,
  waitAllApplied,
} from '../support/model-checks.ts';
import { startReadout, type ReadoutProcess } from '../support/readout-process.ts';

const id = `models-${randomUUID().slice(0, 8)}`;
let db: pg.Client;
let store: ReadModelStore;
let projector: ReadoutProcess | undefined;

beforeAll(async () => {
  ({ db, store } = await connectToStack(id));
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
    await waitAllApplied(store, await markerTxId(db));
    const before = await markShippedFlow(store, db);
    const random = createRandom(2026);
    for (let i = 0; i < 400; i += 1) await runOperation(db, random, { inserts: 5, updates: 4, deletes: 2 });
    await waitAllApplied(store, await markerTxId(db));
    await expectModelsEqualSql(store, db);
    expectFlowMatchesAudit(before, await markShippedFlow(store, db));
  });
});
