/**
 * Several projectors in one consumer group over partitioned topics (the stack started with
 * READOUT_TOPIC_PARTITIONS > 1): projectors are killed and started, one is stopped past its
 * session timeout and resumed, under a mixed workload; afterwards every read model equals SQL
 * and every move into "shipped" was counted once.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadModelStore } from '../../src/store/index.js';
import { backgroundWorkload } from '../support/background-workload.js';
import {
  connectToStack,
  expectFlowMatchesAudit,
  expectModelsEqualSql,
  markShippedFlow,
} from '../support/model-checks.js';
import { runReadout, startReadout, type ReadoutProcess } from '../support/readout-process.js';

const id = `scale-${randomUUID().slice(0, 8)}`;
const SESSION_TIMEOUT_MS = 6000;
const env = {
  READOUT_CONSUMER_GROUP: id,
  READOUT_KEY_PREFIX: id,
  READOUT_KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let db: pg.Client;
let store: ReadModelStore;
const projectors: ReadoutProcess[] = [];
let started = 0;

function startProjector(): ReadoutProcess {
  started += 1;
  const projector = startReadout(`${id}-projector-${started}`, 'projector', env);
  projectors.push(projector);
  return projector;
}

/** Equal to SQL once the group has caught up: retried until it holds or the time is up. */
async function eventuallyEqualSql(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await expectModelsEqualSql(store, db);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(1000);
    }
  }
}

beforeAll(async () => {
  ({ db, store } = await connectToStack(id));
});

afterAll(async () => {
  await Promise.all(projectors.map((projector) => projector.stop()));
  await store?.quit();
  await db?.end();
});

describe('several projectors over partitioned topics', () => {
  it('kills, restarts and a stall past the session timeout lose and double nothing', async () => {
    const partitions = Number(process.env.READOUT_TOPIC_PARTITIONS ?? '1');
    expect(partitions).toBeGreaterThan(1);
    const [first, second] = [startProjector(), startProjector()];
    startProjector();
    await eventuallyEqualSql(120_000);
    const before = await markShippedFlow(store, db);
    const workload = backgroundWorkload(777, { inserts: 5, updates: 4, deletes: 1 }, 10);
    await sleep(3000);
    await first.stop('SIGKILL');
    await sleep(2000);
    startProjector();
    await sleep(2000);
    second.signal('SIGSTOP'); // a stall: the group moves its partitions to the others
    await sleep(SESSION_TIMEOUT_MS + 4000);
    second.signal('SIGCONT'); // a zombie for a moment: its writes are fenced
    await sleep(4000);
    await workload.stop();
    await eventuallyEqualSql(120_000);
    await sleep(3000);
    expectFlowMatchesAudit(before, await markShippedFlow(store, db));
  });

  it('a rebuild under traffic is taken over by the group, switched once caught up on every partition', async () => {
    const workload = backgroundWorkload(778, { inserts: 5, updates: 4, deletes: 1 }, 10);
    const result = await runReadout(['rebuild', 'orders_by_status', 'revenue_by_customer'], env);
    await sleep(2000);
    await workload.stop();
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const admin = new Redis(process.env.READOUT_REDIS_URL ?? '');
    const current = await admin.hget(`{${id}:orders_by_status}:generation`, 'current');
    admin.disconnect();
    expect(current).toBe('1');
    await eventuallyEqualSql(120_000);
  });

  it('a Redis flushed while nothing is written is reloaded by every projector, each for its own partitions', async () => {
    const admin = new Redis(process.env.READOUT_REDIS_URL ?? '');
    await admin.flushall();
    admin.disconnect();
    await sleep(5000);
    await eventuallyEqualSql(60_000);
  });
});
