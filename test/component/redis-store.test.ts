import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { RowEvent } from '../../src/decode/index.js';
import { decimalFromString } from '../../src/decode/index.js';
import { createLiveFeed } from '../../src/live/index.js';
import { foldBatch, ordersByStatus } from '../../src/projection/index.js';
import {
  createRedisStore,
  modelKeys,
  type ModelSnapshot,
  type ReadModelStore,
} from '../../src/store/index.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';

const silent = pino({ level: 'silent' });
let redis: TestRedis;
let store: ReadModelStore;
let prefix = 'p';

function order(offset: number, lsn: number, id: number, status: string, amount: string): RowEvent {
  const parsed = decimalFromString(amount);
  if (!parsed) throw new Error('amount');
  return {
    kind: 'create',
    record: { topic: 'orders', partition: 0, offset: String(offset) },
    table: 'public.orders',
    rowKey: `id=${id}`,
    source: { lsn: BigInt(lsn), txId: 9n, commitTimeMs: 1_700_000_000_000n, snapshot: null, origin: null },
    after: { id: BigInt(id), status, amount: parsed },
  };
}

async function apply(events: RowEvent[]) {
  const stored = await store.readRows(ordersByStatus.name, [...new Set(events.map((e) => e.rowKey))]);
  const fold = foldBatch(ordersByStatus, events, stored);
  if (fold.rows.size === 0) return { kind: 'nothing' as const, fold };
  const outcome = await store.applyBatch(ordersByStatus.name, {
    fold,
    offset: { topic: 'orders', partition: 0, next: '99' },
  });
  return { ...outcome, fold };
}

beforeAll(async () => {
  redis = await startRedis();
  prefix = `t${Date.now()}`;
  store = createRedisStore({ url: redis.url, keyPrefix: prefix });
});
afterAll(async () => {
  await store.quit();
  await redis.stop();
});

describe('Redis store', () => {
  it('applies a batch atomically and reads it back exactly, beyond 2^53 minor units', async () => {
    const outcome = await apply([
      order(0, 100, 1, 'paid', '90071992547409.93'),
      order(1, 101, 2, 'paid', '0.01'),
    ]);
    expect(outcome.kind).toBe('applied');
    const snapshot = await store.readSnapshot(ordersByStatus.name);
    expect(snapshot.version).toBe(1n);
    expect(snapshot.aggregate).toEqual({ 'count:paid': '2', 'revenue:paid': '9007199254740994' });
    expect(snapshot.source.lsn).toBe('101');
  });

  it('changes nothing when the same events are applied again', async () => {
    const again = await apply([
      order(0, 100, 1, 'paid', '90071992547409.93'),
      order(1, 101, 2, 'paid', '0.01'),
    ]);
    expect(again.kind).toBe('nothing');
    expect(again.fold.duplicates).toBe(2);
    expect((await store.readSnapshot(ordersByStatus.name)).version).toBe(1n);
  });

  it('refuses a batch folded from positions that have moved since (a second writer)', async () => {
    const stale = foldBatch(ordersByStatus, [order(2, 102, 1, 'shipped', '1.00')], new Map());
    const outcome = await store.applyBatch(ordersByStatus.name, {
      fold: stale,
      offset: { topic: 'orders', partition: 0, next: '3' },
    });
    expect(outcome).toEqual({ kind: 'conflict', rowKey: 'id=1' });
    expect((await store.readSnapshot(ordersByStatus.name)).aggregate['count:paid']).toBe('2');
  });

  it('keeps dead letters once per position', async () => {
    const letter = {
      topic: 'orders',
      partition: 0,
      offset: '5',
      code: 'EVENT_MALFORMED',
      reason: 'bad',
      key: null,
      value: '{',
    };
    await store.recordDeadLetters([letter]);
    await store.recordDeadLetters([letter]);
    expect(await store.countDeadLetters()).toBe(1);
  });
});

describe('live feed', () => {
  it('gives the current state first, then each newer version in order', async () => {
    const live = createLiveFeed({
      subscriber: new Redis(redis.url),
      channelOf: (model) => modelKeys(prefix, model).channel,
      readSnapshot: (model) => store.readSnapshot(model),
      logger: silent,
    });
    const feed = live.watch(ordersByStatus.name);
    const first = await feed.next();
    expect((first.value as ModelSnapshot).version).toBe(1n);
    const pending = feed.next();
    await apply([order(3, 200, 3, 'pending', '5.00')]);
    await apply([order(4, 201, 4, 'pending', '6.00')]);
    const second = (await pending).value as ModelSnapshot;
    const third = (await feed.next()).value as ModelSnapshot;
    expect([second.version, third.version]).toEqual([2n, 3n]);
    expect(third.aggregate['revenue:pending']).toBe('1100');
    await feed.return?.();
    await live.close();
  });
});
