import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveFeed } from '../../src/live/index.ts';
import { deleteOf, waitingChangeOf } from '../../src/cleanup/index.ts';
import { createCleanupActions } from '../../src/pipeline/cleanup-actions.ts';
import { createLaneWriter } from '../../src/pipeline/lane-writer.ts';
import {
  foldBatch,
  snapshotSweep,
  splitAtSnapshotEnds,
  type CompiledModel,
} from '../../src/projection/index.ts';
import type { RowEvent } from '../../src/decode/index.ts';
import {
  createGuardStore,
  createRedisStore,
  modelKeys,
  modelReader,
  tableTag,
  withRowCache,
  type ModelSnapshot,
  type ReadModelStore,
} from '../../src/store/index.ts';
import { everyMeasureModel, hourAndBandModel } from '../support/demo-models.ts';
import { buildHistory, deliver, delivery, rowsKeptBy } from '../support/order-history.ts';
import { referenceAggregate } from '../support/reference-aggregate.ts';
import { scanKeys } from '../../src/store/connection.ts';
import { runGenerations } from '../../src/store/scripts/generations-script.ts';
import type { RedisClient } from '../../src/store/index.ts';
import { startRedis, startRedisCluster, type TestRedis } from '../support/redis-server.ts';

const silent = pino({ level: 'silent' });
let redis: TestRedis;
let run = 0;

const model = everyMeasureModel;

const bucketed = hourAndBandModel('bucketed');

/** The snapshot in the shape of MemoryStore.view() / referenceAggregate(). */
function view(snapshot: ModelSnapshot): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const bucket of snapshot.buckets) {
    const label = bucket.label ?? '-';
    for (const group of bucket.groups) {
      const entry: Record<string, string> = { _rows: group.rows.toString() };
      for (const [name, value] of Object.entries(group.counters)) entry[name] = value.toString();
      for (const [name, value] of Object.entries(group.extremes)) if (value !== null) entry[name] = value;
      for (const [name, value] of Object.entries(group.distincts))
        if (value > 0n) entry[name] = value.toString();
      result[`${label} / ${JSON.stringify(group.group)}`] = entry;
    }
    if (bucket.ranking && bucket.ranking.length > 0) {
      result[`${label} / top`] = {
        revenue: JSON.stringify(bucket.ranking.map((group) => JSON.stringify(group))),
      };
    }
  }
  return result;
}

async function applySegment(
  store: ReadModelStore,
  target: CompiledModel,
  events: RowEvent[],
  position: number,
) {
  const state = await store.readModelState(target, [...new Set(events.map((e) => e.rowKey))]);
  const fold = foldBatch(target, events, state);
  if (fold.rows.size === 0) {
    await store.countDuplicates(target, fold.duplicates);
    return;
  }
  const outcome = await store.applyBatch(target, {
    fold,
    offset: { topic: 't', partition: 0, first: '0', next: String(position) },
  });
  expect(outcome.kind).toBe('applied');
}

async function applyAll(
  store: ReadModelStore,
  target: CompiledModel,
  events: Parameters<typeof foldBatch>[1],
  sizes: number[],
) {
  let position = 0;
  for (let i = 0; position < events.length; i += 1) {
    const batch = events.slice(position, position + (sizes[i % sizes.length] ?? 1));
    position += batch.length;
    // What the projector does: fold, and after a snapshot end, delete the rows the snapshot missed.
    for (const segment of splitAtSnapshotEnds(batch)) {
      await applySegment(store, target, segment.events, position);
      if (!segment.end) continue;
      for await (const page of store.scanRowPositions((await store.lanesOf([target]))[0] ?? noLane(), 3)) {
        const state = await store.readModelState(
          target,
          page.map(([rowKey]) => rowKey),
        );
        await applySegment(store, target, snapshotSweep(segment.end, state.rows), position);
      }
    }
  }
}

/** A store and a model under a prefix of their own, and one paid order's event per (cents, customer). */
function paidOrders(prefix: string, orders: ReadonlyArray<readonly [number, 'acme' | 'globex']>) {
  const store = createRedisStore({ ...redis.options, keyPrefix: prefix });
  const target = model(`${prefix}_model`);
  const { events } = buildHistory(
    orders.map(([cents, customer], i) => ({
      key: i + 1,
      status: 'paid',
      cents,
      customer,
      createdHours: 1,
      gapMinutes: 1,
    })),
  );
  return { store, target, events };
}

async function allKeys(client: RedisClient, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of scanKeys(client, pattern)) keys.push(...page);
  return keys;
}

/** Aggregate keys whose time bucket is no longer registered (an expired bucket left behind). */
async function keysOfMissingBuckets(prefix: string): Promise<string[]> {
  const client = redis.client();
  const keys = modelKeys(prefix, bucketed);
  const live = new Set(await client.zrange(keys.buckets, 0, -1));
  const all = await allKeys(client, `${keys.base}:*`);
  client.disconnect();
  const fixed = new Set([keys.rows, keys.meta, keys.offsets, keys.buckets, keys.generations]);
  return all.filter((key) => {
    if (fixed.has(key)) return false;
    const label = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00[+-]\d{2}:\d{2})/.exec(key)?.[1];
    return label === undefined || !live.has(label);
  });
}

async function maxCommit(prefix: string): Promise<number> {
  const client = redis.client();
  const value = await client.hget(modelKeys(prefix, bucketed).meta, 'maxCommitTimeMs');
  client.disconnect();
  return Number(value);
}

// Every test runs on a single Redis and on a Redis Cluster (3 primaries, 3 replicas): each
// script must keep to one hash slot, and notices go over sharded pub/sub.
describe.each([
  ['a single Redis', startRedis],
  ['a Redis Cluster', startRedisCluster],
] as const)('on %s', (_shape, start) => {
  beforeAll(async () => {
    redis = await start();
  }, 60_000);
  afterAll(async () => {
    await redis.stop();
  }, 30_000);

  describe('Redis store scripts against a fresh computation', () => {
    it('state model with every measure and top-N, under replays and any batching, with or without a (tiny) row cache', async () => {
      await fc.assert(
        fc.asyncProperty(
          delivery,
          fc.constantFrom(0, 1, 4),
          async ([changes, resends, replays, sizes], cachedRows) => {
            // 0: no cache; 1 or 4 rows: entries are evicted and re-read all the time.
            const store = withRowCache(
              createRedisStore({ ...redis.options, keyPrefix: `p${(run += 1)}` }),
              cachedRows,
            );
            const target = model('by_status');
            const history = buildHistory(changes, resends);
            await applyAll(store, target, deliver(history.events, replays), sizes);
            expect(view(await store.readSnapshot(target))).toEqual(
              referenceAggregate(target.definition, rowsKeptBy(history, target)),
            );
            await store.quit();
          },
        ),
        { numRuns: 60 },
      );
    });

    it('time buckets with retention: expired buckets and all their keys are gone', async () => {
      await fc.assert(
        fc.asyncProperty(delivery, async ([changes, resends, replays, sizes]) => {
          const prefix = `b${(run += 1)}`;
          const store = createRedisStore({ ...redis.options, keyPrefix: prefix });
          const history = buildHistory(changes, resends);
          await applyAll(store, bucketed, deliver(history.events, replays), sizes);
          const snapshot = await store.readSnapshot(bucketed);
          const max = snapshot.source.commitTimeMs === null ? null : await maxCommit(prefix);
          const retainFrom = max === null ? null : max - 48 * 3_600_000;
          expect(view(snapshot)).toEqual(
            referenceAggregate(bucketed.definition, rowsKeptBy(history, bucketed), retainFrom),
          );
          expect(await keysOfMissingBuckets(prefix)).toEqual([]);
          await store.quit();
        }),
        { numRuns: 30 },
      );
    });

    it('refuses a batch folded from positions that have moved since (a second writer)', async () => {
      const store = createRedisStore({ ...redis.options, keyPrefix: 'fence' });
      const target = model('fenced');
      const history = buildHistory([
        { key: 1, status: 'paid', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
        { key: 1, status: 'shipped', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      ]);
      const [first, second] = history.events;
      if (!first || !second) throw new Error('fixture');
      const stale = foldBatch(target, [second], { rows: new Map(), maxCommitTimeMs: null });
      await applyAll(store, target, [first], [1]);
      const outcome = await store.applyBatch(target, {
        fold: stale,
        offset: { topic: 't', partition: 0, first: '1', next: '2' },
      });
      expect(outcome).toEqual({ kind: 'conflict', rowKey: 'id=1' });
      expect(view(await store.readSnapshot(target))['- / ["paid"]']).toMatchObject({ orders: '1' });
      await store.quit();
    });

    it('refuses a batch that begins past where the model stands (Redis lost writes after the projector checked) and writes nothing', async () => {
      const { store, target, events } = paidOrders('behind', [
        [100, 'acme'],
        [200, 'globex'],
      ]);
      const [first, second] = events;
      if (!first || !second) throw new Error('fixture');
      await applyAll(store, target, [first], [1]); // stands at offset 1
      const fold = foldBatch(target, [second], await store.readModelState(target, [second.rowKey]));
      const outcome = await store.applyBatch(target, {
        fold,
        offset: { topic: 't', partition: 0, first: '5', next: '6' },
      });
      expect(outcome).toEqual({ kind: 'behind', stood: '1' });
      expect(view(await store.readSnapshot(target))['- / ["paid"]']).toMatchObject({ orders: '1' });
      // From where it stands (or before: a redelivery), the same batch is written.
      const again = await store.applyBatch(target, {
        fold,
        offset: { topic: 't', partition: 0, first: '1', next: '6' },
      });
      expect(again.kind).toBe('applied');
      await store.quit();
    });

    it('a cached row that another writer moved costs a conflict, then a fresh read, never a wrong write', async () => {
      const cached = withRowCache(createRedisStore({ ...redis.options, keyPrefix: 'stale' }), 100);
      const other = createRedisStore({ ...redis.options, keyPrefix: 'stale' });
      const target = model('stale_cache');
      const history = buildHistory([
        { key: 1, status: 'paid', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
        { key: 1, status: 'shipped', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
        { key: 1, status: 'cancelled', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      ]);
      const [first, second, third] = history.events;
      if (!first || !second || !third) throw new Error('fixture');
      await applyAll(cached, target, [first], [1]); // cached: paid
      await applyAll(other, target, [second], [1]); // moved behind the cache's back: shipped
      const staleState = await cached.readModelState(target, ['id=1']);
      expect(staleState.rows.get('id=1')?.memory?.status).toBe('paid');
      const offset = { topic: 't', partition: 0, first: '0', next: '3' };
      const stale = foldBatch(target, [third], staleState);
      expect(await cached.applyBatch(target, { fold: stale, offset })).toEqual({
        kind: 'conflict',
        rowKey: 'id=1',
      });
      const fresh = await cached.readModelState(target, ['id=1']);
      expect(fresh.rows.get('id=1')?.memory?.status).toBe('shipped');
      const outcome = await cached.applyBatch(target, { fold: foldBatch(target, [third], fresh), offset });
      expect(outcome.kind).toBe('applied');
      expect(view(await cached.readSnapshot(target))).toEqual(
        referenceAggregate(target.definition, rowsKeptBy(history, target)),
      );
      await cached.quit();
      await other.quit();
    });

    it('a write Redis lost after acknowledging it (a failover) is made again when its batch comes again, though the row cache remembers it', async () => {
      const prefix = 'lost';
      const cached = withRowCache(createRedisStore({ ...redis.options, keyPrefix: prefix }), 100);
      const writer = createLaneWriter({ store: cached, logger: silent });
      const target = model('lost_write');
      const laneOf = async (member: CompiledModel) => (await cached.lanesOf([member]))[0] ?? noLane();
      const history = buildHistory([
        { key: 1, status: 'paid', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
        { key: 1, status: 'shipped', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      ]);
      const [first, second] = history.events;
      if (!first || !second) throw new Error('fixture');
      const context = (next: string) => ({
        offset: { topic: 't', partition: 0, first: String(Number(next) - 1), next },
        records: new Map(),
        letters: [],
      });
      const client = redis.client();
      const pattern = `${tableTag(prefix, target.table)}*`;
      await writer.write(await laneOf(target), [first], context('1'));
      const older = await Promise.all(
        (await allKeys(client, pattern)).map(async (key) => [key, await client.dumpBuffer(key)] as const),
      );
      await writer.write(await laneOf(target), [second], context('2'));
      // The failover: the promoted replica stands where Redis stood after the first batch.
      for (const key of await allKeys(client, pattern)) await client.del(key);
      for (const [key, dump] of older) if (dump) await client.restore(key, 0, dump);
      client.disconnect();
      const plain = createRedisStore({ ...redis.options, keyPrefix: prefix });
      expect((await plain.readModelState(target, ['id=1'])).rows.get('id=1')?.memory?.status).toBe('paid');
      // The batch is delivered again (it failed on a later step): the cache says it is applied.
      expect(await writer.write(await laneOf(target), [second], context('2'))).toEqual({
        applied: 1,
        duplicates: 0,
      });
      expect(view(await plain.readSnapshot(target))).toEqual(
        referenceAggregate(target.definition, rowsKeptBy(history, target)),
      );
      await cached.quit();
      await plain.quit();
    });

    it('a late writer of older changes (a zombie) cannot move the recorded position backwards', async () => {
      const { store, target, events } = paidOrders('zombie', [
        [100, 'acme'],
        [200, 'acme'],
      ]);
      const [older, newer] = events;
      if (!older || !newer) throw new Error('fixture');
      await applyAll(store, target, [newer], [1]);
      await applyAll(store, target, [older], [1]); // the zombie's batch: another row, an older position
      const snapshot = await store.readSnapshot(target);
      expect(snapshot.source.lsn).toBe(newer.source.lsn.toString());
      expect(view(snapshot)['- / ["paid"]']).toMatchObject({ orders: '2', revenue: '300' });
      await store.quit();
    });

    it('deletes applied after their batch (released by their END) wait until the model has read their records, and record no offset', async () => {
      const { store, target, events } = paidOrders('released', [
        [100, 'acme'],
        [200, 'globex'],
      ]);
      const [first, second] = events;
      if (!first || !second) throw new Error('fixture');
      await applyAll(store, target, [first], [1]); // the model has read the partition up to offset 1
      const reader = modelReader('released', target);
      const standing = async () => (await store.positions.read([reader], 't', 0)).positions[0]?.next ?? null;
      expect(await standing()).toBe('1');
      // The second order's delete, far ahead in the partition, released by its transaction's END
      // before this model read the records between: applied now, it would overtake them (their
      // changes of the row would then look like duplicates). The model applies it when it reads it.
      const guard = createGuardStore({ ...redis.options, keyPrefix: 'released' });
      const actions = createCleanupActions({
        targets: () => [target],
        store,
        guard,
        writer: createLaneWriter({ store, logger: silent }),
        logger: silent,
      });
      const released = waitingChangeOf({ ...second, record: { ...second.record, topic: 't', offset: '40' } });
      expect((await actions.applyDeletes(target.table, [released], false)).applied).toBe(0);
      expect(await standing()).toBe('1');
      // Once the model has read past it, it is applied, and the offset stays where the model stands.
      await store.positions.advance([reader], 't', 0, '50');
      expect((await actions.applyDeletes(target.table, [released], false)).applied).toBe(1);
      expect(await standing()).toBe('50');
      // Redis refuses the write if the model no longer stands past it (a failover took it back).
      const fold = foldBatch(
        target,
        [deleteOf(released, target.table)],
        await store.readModelState(target, []),
      );
      expect(
        await store.applyBatch(target, { fold, offset: null, readPast: new Map([['t/0', '60']]) }),
      ).toEqual({ kind: 'unread', partition: 't/0', stood: '50' });
      await Promise.all([store.quit(), guard.quit()]);
    });

    it('counts applied changes and skipped duplicates per model', async () => {
      const store = createRedisStore({ ...redis.options, keyPrefix: 'counters' });
      const target = model('counted');
      const history = buildHistory([
        { key: 1, status: 'paid', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
        { key: 1, status: 'shipped', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      ]);
      await applyAll(store, target, [...history.events, ...history.events], [3]);
      expect(await store.readCounters(target)).toEqual({ applied: 2n, duplicates: 2n });
      await store.quit();
    });

    it('generations: a rebuild writes a new generation silently; readers switch only when it is ready; old writers are fenced; the old keys go', async () => {
      const store = createRedisStore({ ...redis.options, keyPrefix: 'gen' });
      const target = model('generations');
      const history = buildHistory([
        { key: 1, status: 'paid', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
        { key: 2, status: 'shipped', cents: 250, customer: 'globex', createdHours: 1, gapMinutes: 1 },
      ]);
      const [first, second] = history.events;
      if (!first || !second) throw new Error('fixture');
      await store.generations.adopt(target);
      await applyAll(store, target, [first], [1]);
      const before = await store.readSnapshot(target);

      const { generation } = await store.generations.start(target);
      expect(generation).toBe(1);
      const rebuilt = { ...target, generation };
      await applyAll(store, rebuilt, [first, second], [2]);
      // Readers still see generation 0, untouched by the rebuild's writes.
      const during = await store.readSnapshot(target);
      expect({ generation: during.generation, view: view(during), version: during.version }).toEqual({
        generation: 0,
        view: view(before),
        version: before.version,
      });
      expect(await store.generations.switchTo(target, generation)).toBeNull(); // not ready yet
      // The script takes no move outside docs/positions-spec.md's, whatever its caller asks.
      const raw = redis.client();
      await expect(
        runGenerations(raw, modelKeys('gen', target).generations, {
          op: 'phase',
          generation,
          from: 'replay',
          to: 'ready',
        }),
      ).rejects.toThrow(/no rebuild moves from replay to ready/);
      raw.disconnect();
      expect(await store.generations.advance(target, generation, 'replay')).toBe(true);
      expect(await store.generations.advance(target, generation, 'replay')).toBe(false);
      await store.generations.advance(target, generation, 'handoff');
      await store.generations.advance(target, generation, 'dual');
      expect(await store.generations.switchTo(target, generation)).toBe(0);

      const after = await store.readSnapshot(target);
      expect(after.generation).toBe(1);
      expect(after.definition).toBe(target.fingerprint);
      expect(after.version).toBeGreaterThan(before.version);
      expect(view(after)).toEqual(referenceAggregate(target.definition, rowsKeptBy(history, target)));
      // A writer that has not seen the switch writes nothing to generation 0.
      const late = foldBatch(target, [second], { rows: new Map(), maxCommitTimeMs: null });
      expect(
        await store.applyBatch(
          { ...target, generation: 0 },
          { fold: late, offset: { topic: 't', partition: 0, first: '0', next: '9' } },
        ),
      ).toEqual({ kind: 'moved', current: 1 });
      expect(await store.generations.drop(target, 0)).toBeGreaterThan(0);
      const client = redis.client();
      const left = await allKeys(client, '{gen:generations}*');
      client.disconnect();
      expect(
        left.every((key) => key.startsWith('{gen:generations}:g1:') || key.endsWith(':generation')),
      ).toBe(true);
      await expect(store.generations.drop(target, 1)).rejects.toThrow(/in use/);
      await store.quit();
    });

    it('keeps dead letters once per position', async () => {
      const store = createRedisStore({ ...redis.options, keyPrefix: 'dlq' });
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
      await store.quit();
    });
  });

  describe('live feed', () => {
    it('gives the current state first, then newer versions in order', async () => {
      const store = createRedisStore({ ...redis.options, keyPrefix: 'live' });
      const target = model('live_model');
      const history = buildHistory([
        { key: 1, status: 'paid', cents: 100, customer: 'acme', createdHours: 1, gapMinutes: 1 },
        { key: 2, status: 'paid', cents: 250, customer: 'globex', createdHours: 1, gapMinutes: 1 },
        { key: 3, status: 'pending', cents: 500, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      ]);
      const [a, b, c] = history.events;
      if (!a || !b || !c) throw new Error('fixture');
      await applyAll(store, target, [a], [1]);
      const live = createLiveFeed({
        subscriber: store.subscriberConnection(),
        channelOf: (name) => modelKeys('live', { name, table: 'public.orders' }).channel,
        readSnapshot: () => store.readSnapshot(target),
        readVersion: () => store.readVersion(target),
        versionCheckMs: 0,
        logger: silent,
      });
      const feed = live.watch(target.name);
      const first = (await feed.next()).value as ModelSnapshot;
      // The first version is Redis's clock in microseconds (so versions never go back after a loss).
      expect(first.version).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1000n);
      const pending = feed.next();
      await applyAll(store, target, [b], [1]);
      const second = (await pending).value as ModelSnapshot;
      expect(second.version).toBe(first.version + 1n);
      await applyAll(store, target, [c], [1]);
      const third = (await feed.next()).value as ModelSnapshot;
      expect(third.version).toBe(first.version + 2n);
      expect(view(third)['- / ["pending"]']).toMatchObject({ orders: '1', revenue: '500' });
      await feed.return?.();
      await live.close();
      await store.quit();
    });

    it('keeps a subscription open through failed reads (Redis away for a moment) and reads again', async () => {
      const { store, target, events } = paidOrders('flaky', [[100, 'acme']]);
      const [a] = events;
      if (!a) throw new Error('fixture');
      await applyAll(store, target, [a], [1]);
      let failures = 2;
      const live = createLiveFeed({
        subscriber: store.subscriberConnection(),
        channelOf: (name) => modelKeys('flaky', { name, table: 'public.orders' }).channel,
        readSnapshot: () =>
          failures-- > 0 ? Promise.reject(new Error('Redis unreachable')) : store.readSnapshot(target),
        readVersion: () => store.readVersion(target),
        versionCheckMs: 0,
        logger: silent,
      });
      const feed = live.watch(target.name);
      const first = await feed.next();
      expect(first.done).toBe(false);
      expect(view(first.value as ModelSnapshot)['- / ["paid"]']).toMatchObject({ orders: '1' });
      expect(failures).toBe(-1);
      await feed.return?.();
      await live.close();
      await store.quit();
    });

    it('catches up by itself when version notices are lost', async () => {
      const { store, target, events } = paidOrders('lost', [
        [100, 'acme'],
        [250, 'globex'],
      ]);
      const [a, b] = events;
      if (!a || !b) throw new Error('fixture');
      await applyAll(store, target, [a], [1]);
      const live = createLiveFeed({
        subscriber: store.subscriberConnection(),
        // A channel nothing is published on: every notice is lost, as in a failover.
        channelOf: (name) => `{lost:${name}}:nowhere`,
        readSnapshot: () => store.readSnapshot(target),
        readVersion: () => store.readVersion(target),
        versionCheckMs: 50,
        logger: silent,
      });
      const feed = live.watch(target.name);
      const first = (await feed.next()).value as ModelSnapshot;
      await applyAll(store, target, [b], [1]);
      const second = (await feed.next()).value as ModelSnapshot;
      expect(second.version).toBe(first.version + 1n);
      expect(view(second)['- / ["paid"]']).toMatchObject({ orders: '2', revenue: '350' });
      expect((await live.current(target.name)).version).toBe(second.version);
      await feed.return?.();
      await live.close();
      await store.quit();
    });
  });
});

function noLane(): never {
  throw new Error('no lane');
}
