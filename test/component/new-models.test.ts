/**
 * Read models Redis has never held, on a real Redis: a first start is a backfill, not a loss; a
 * model added while Redis holds the others is backfilled from its topic's start without being
 * taken for a loss, and does not take readiness down meanwhile; a model whose topic is empty or
 * does not exist yet is ready, and empty; a model no projector took on is not ready.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartitionRange, SourceBatch } from '../../src/ingest/index.ts';
import { createBackfills } from '../../src/pipeline/backfills.ts';
import { createStreamPositions } from '../../src/pipeline/stream-positions.ts';
import type { CompiledModel } from '../../src/projection/index.ts';
import { checkReadiness, createRedisStore, modelReader, type ReadModelStore } from '../../src/store/index.ts';
import { everyMeasureModel } from '../support/demo-models.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

const silent = pino({ level: 'silent' });
let redis: TestRedis;
const stores: ReadModelStore[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.quit()));
  await redis.stop();
});

const ORDERS = 'readout.public.orders';
const EMPTY = 'readout.public.emptied';
const topicOf = (model: CompiledModel) => `readout.${model.table}`;

/** Models over orders (records in two partitions), a table whose topic is empty, and one with no topic. */
const models = {
  a: everyMeasureModel('a'),
  b: everyMeasureModel('b'),
  emptied: everyMeasureModel('emptied', { source: 'public.emptied' }),
  untopicked: everyMeasureModel('untopicked', { source: 'public.untopicked' }),
  unprojected: everyMeasureModel('unprojected'),
};

function batch(partition: number, from: number, to: number): SourceBatch {
  const records = [];
  for (let offset = from; offset < to; offset += 1)
    records.push({ topic: ORDERS, partition, offset: String(offset), key: null, value: null });
  return { topic: ORDERS, partition, records, highWatermark: String(to) };
}

/** Kafka as the projector sees it: orders/0 and orders/1 hold offsets 0..99, emptied/0 none left. */
function fakeSource() {
  const seeks: string[] = [];
  const ranges: PartitionRange[] = [
    { topic: ORDERS, partition: 0, low: '0', high: '100' },
    { topic: ORDERS, partition: 1, low: '0', high: '100' },
    { topic: EMPTY, partition: 0, low: '7', high: '7' },
  ];
  return {
    seeks,
    ranges,
    source: {
      assigned: () => Promise.resolve(ranges),
      ranges: () => Promise.resolve(ranges),
      existingTopics: () => Promise.resolve([ORDERS, EMPTY]),
      range: (topic: string, partition: number) =>
        Promise.resolve(
          ranges.find((range) => range.topic === topic && range.partition === partition) as PartitionRange,
        ),
      seek: (topic: string, partition: number, offset: string) =>
        seeks.push(`${topic}/${partition}@${offset}`),
    },
  };
}

/** A projector's view of `written` under its own prefix, and the group's committed offsets. */
function projectorOf(prefix: string, written: readonly CompiledModel[], groupHasCommitted: boolean) {
  const store = createRedisStore({ ...redis.options, keyPrefix: prefix });
  stores.push(store);
  const readerOf = (model: CompiledModel) => modelReader(prefix, model);
  const readers = () => written.map(readerOf);
  const readersOf = (topic: string) => written.filter((model) => topicOf(model) === topic).map(readerOf);
  const { seeks, source, ranges } = fakeSource();
  const deps = { positions: store.positions, readers, readersOf, source, logger: silent };
  const stream = createStreamPositions({
    ...deps,
    topics: [ORDERS, EMPTY, 'readout.public.untopicked'],
    forgetCached: () => undefined,
    groupHasCommitted: () => Promise.resolve(groupHasCommitted),
  });
  const backfills = createBackfills(deps);
  const readiness = (of: readonly CompiledModel[]) =>
    checkReadiness(store, new Map(of.map((model) => [model.name, model])), prefix);
  /** Everything up to offset 100 of both orders partitions read, as batches would. */
  const readToTheEnd = async () => {
    for (const partition of [0, 1])
      expect(await stream.advance(batch(partition, 0, 100), new Set())).toBeNull();
  };
  return { store, stream, backfills, seeks, ranges, readiness, readToTheEnd, readerOf };
}

describe('read models Redis has never held', () => {
  it('a first start (an empty Redis, a group that never committed) is a backfill, not a loss', async () => {
    const { a, emptied, untopicked } = models;
    const { store, stream, readiness, readToTheEnd, seeks } = projectorOf(
      'first',
      [a, emptied, untopicked],
      false,
    );
    expect(await stream.checkForLoss()).toBeGreaterThan(0);
    expect(seeks).toEqual([`${ORDERS}/0@0`, `${ORDERS}/1@0`, `${EMPTY}/0@7`]);
    expect(await store.positions.losses()).toEqual([]);
    const [state] = await store.positions.readiness([
      modelReader('first', { name: 'a', table: 'public.orders' }),
    ]);
    expect(state?.backfilling).toBe('start');
    // Nothing was served before, so nothing is ready until read; the models with nothing to read are.
    const before = await readiness([a, emptied, untopicked]);
    expect(before.ready).toBe(false);
    expect(Object.keys(before.notReady)).toEqual(['a']);
    expect(before.notReady.a).toMatch(/Redis was new/);
    await readToTheEnd();
    const after = await readiness([a, emptied, untopicked]);
    expect(after).toMatchObject({ ready: true, notReady: {} });
    expect(
      (await store.positions.readiness([modelReader('first', { name: 'a', table: 'public.orders' })]))[0]
        ?.backfilling,
    ).toBeNull();
    expect(await store.positions.losses()).toEqual([]);
  });

  it('an empty Redis under a group that has committed is a loss, as before', async () => {
    const { store, stream } = projectorOf('lost', [models.a], true);
    expect(await stream.checkForLoss()).toBeGreaterThan(0);
    const losses = await store.positions.losses();
    expect(losses.map((loss) => loss.kind)).toEqual(['everything']);
    expect(
      (await store.positions.readiness([modelReader('lost', { name: 'a', table: 'public.orders' })]))[0]
        ?.backfilling,
    ).toBeNull();
  });

  it('a model added while Redis holds the others is backfilled from its topic, not taken for a loss', async () => {
    const { a, b, emptied, untopicked } = models;
    // Redis holds a, which has read everything.
    const before = projectorOf('added', [a], false);
    await before.stream.checkForLoss();
    await before.readToTheEnd();
    expect((await before.readiness([a])).ready).toBe(true);

    // Then b (same topic), emptied and untopicked are added.
    const after = projectorOf('added', [a, b, emptied, untopicked], true);
    await after.stream.checkForLoss(); // the marker is there: nothing to reload
    await after.backfills.prepare();
    const [, stateB, stateEmptied, stateUntopicked] = await after.store.positions.readiness(
      [a, b, emptied, untopicked].map(after.readerOf),
    );
    expect(stateB?.backfilling).toBe('added');
    expect(stateB?.catchUp).toEqual(
      new Map([
        [`${ORDERS}/0`, '100'],
        [`${ORDERS}/1`, '100'],
      ]),
    );
    // Ready, and empty: a version says a projector has read everything there is.
    for (const state of [stateEmptied, stateUntopicked]) {
      expect(state?.version).toBeGreaterThan(0n);
      expect(state?.catchUp.size).toBe(0);
    }
    expect(after.seeks).toEqual([`${ORDERS}/0@0`, `${ORDERS}/1@0`]);
    // Served meanwhile: every model but b, which is listed as backfilling.
    const during = await after.readiness([a, b, emptied, untopicked]);
    expect(during).toMatchObject({ ready: true, notReady: {} });
    expect(Object.keys(during.backfilling ?? {})).toEqual(['b']);
    expect(during.backfilling?.b).toMatch(/readout\.public\.orders\/0 0\/100/);

    // A batch past b's start before the seek took effect: read again from the start, no loss.
    expect(await after.stream.check(batch(0, 60, 70))).toEqual({ rewindTo: '0' });
    await after.readToTheEnd();
    const done = await after.readiness([a, b, emptied, untopicked]);
    expect(done).toMatchObject({ ready: true, notReady: {}, backfilling: {} });
    expect(await after.store.positions.losses()).toEqual([]);
  });

  it('a model a reload removed and a later one brought back is read again from where it stopped, not taken for a loss', async () => {
    const { a, b } = models;
    const written = [a, b];
    const projector = projectorOf('back', written, false);
    await projector.stream.checkForLoss();
    await projector.readToTheEnd();
    await projector.backfills.prepare();
    written.splice(1, 1); // b removed
    await projector.backfills.prepare();
    // Records come while b is away; a reads them.
    for (const range of projector.ranges) if (range.topic === ORDERS) Object.assign(range, { high: '150' });
    for (const partition of [0, 1])
      expect(await projector.stream.advance(batch(partition, 100, 150), new Set())).toBeNull();
    written.push(b); // b back
    projector.seeks.length = 0;
    await projector.backfills.prepare();
    expect(projector.seeks).toEqual([`${ORDERS}/0@100`, `${ORDERS}/1@100`]);
    const [state] = await projector.store.positions.readiness([projector.readerOf(b)]);
    expect(state?.backfilling).toBe('added');
    expect(state?.catchUp).toEqual(
      new Map([
        [`${ORDERS}/0`, '150'],
        [`${ORDERS}/1`, '150'],
      ]),
    );
    expect(await projector.stream.check(batch(0, 150, 160))).toEqual({ rewindTo: '100' });
    for (const partition of [0, 1])
      expect(await projector.stream.advance(batch(partition, 100, 150), new Set())).toBeNull();
    expect(await projector.readiness([a, b])).toMatchObject({ ready: true, notReady: {}, backfilling: {} });
    expect(await projector.store.positions.losses()).toEqual([]);
  });

  it('a model no projector has taken on is not ready', async () => {
    const { a, unprojected } = models;
    const projector = projectorOf('unprojected', [a], false);
    await projector.stream.checkForLoss();
    await projector.readToTheEnd();
    const readiness = await projector.readiness([a, unprojected]);
    expect(readiness.ready).toBe(false);
    expect(Object.keys(readiness.notReady)).toEqual(['unprojected']);
    expect(readiness.notReady.unprojected).toMatch(/no projector has taken it on/);
  });
});
