import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartitionRange, SourceBatch } from '../../src/ingest/index.ts';
import { createStreamPositions } from '../../src/pipeline/stream-positions.ts';
import { createPositionStore } from '../../src/store/positions.ts';
import { modelReader } from '../../src/store/index.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

const TOPIC = 'orders';

function batch(partition: number, from: number, to: number): SourceBatch {
  const records = [];
  for (let offset = from; offset < to; offset += 1)
    records.push({ topic: TOPIC, partition, offset: String(offset), key: null, value: null });
  return { topic: TOPIC, partition, records, highWatermark: String(to) };
}

/** The Kafka side, as the stream positions see it: partitions 0 and 1 assigned, seeks recorded. */
function fakeSource() {
  const seeks: string[] = [];
  const ranges: PartitionRange[] = [0, 1].map((partition) => ({
    topic: TOPIC,
    partition,
    low: '0',
    high: '100',
  }));
  return {
    seeks,
    source: {
      assigned: () => Promise.resolve(ranges),
      ranges: () => Promise.resolve(ranges),
      existingTopics: () => Promise.resolve([TOPIC]),
      range: (_topic: string, partition: number) => Promise.resolve(ranges[partition] as PartitionRange),
      seek: (topic: string, partition: number, offset: string) =>
        seeks.push(`${topic}/${partition}@${offset}`),
    },
  };
}

/** Stream positions of readers a and b under their own prefix, over the fake source. */
function streamPositionsOf(prefix: string) {
  const client = redis.client();
  const positions = createPositionStore(client, prefix);
  const readers = [
    modelReader(prefix, { name: 'a', table: 'public.a' }),
    modelReader(prefix, { name: 'b', table: 'public.b' }),
  ];
  const { seeks, source } = fakeSource();
  const stream = createStreamPositions({
    positions,
    readersOf: () => readers,
    readers: () => readers,
    topics: [TOPIC],
    source,
    forgetCached: () => undefined,
    logger: pino({ level: 'silent' }),
  });
  return { client, positions, readers, seeks, stream };
}

describe('stream positions', () => {
  it('notices writes Redis lost on a partition that gets no new batch (a failover), and replays only that one', async () => {
    const { client, positions, readers, seeks, stream } = streamPositionsOf('failover');
    expect(await stream.checkForLoss()).toBeGreaterThan(0); // a fresh Redis: loaded from the start
    seeks.length = 0;
    for (const reader of readers) await positions.advance([reader], TOPIC, 0, '100');
    for (const reader of readers) await positions.advance([reader], TOPIC, 1, '100');
    await stream.advance(batch(0, 0, 40), new Set());
    await stream.advance(batch(1, 0, 100), new Set());
    for (const reader of readers)
      await client.hdel(reader.meta, `catch-up:${TOPIC}/0`, `catch-up:${TOPIC}/1`);
    expect(await stream.checkRecorded()).toBe(0);

    // Reader b's newest writes on partition 1 are gone, as when a replica missing them is promoted.
    const b = readers[1];
    if (!b) throw new Error('fixture');
    await client.hset(b.offsets, `${TOPIC}/1`, '70');
    expect(await stream.checkRecorded()).toBe(1);
    expect(seeks).toEqual([`${TOPIC}/1@70`]);
    const [readyA, readyB] = await positions.readiness(readers);
    expect(readyA?.catchUp.size).toBe(0);
    expect(readyB?.catchUp).toEqual(new Map([[`${TOPIC}/1`, '100']]));

    // Replaying: not rewound again while it catches up; ready once it reaches what it had.
    expect(await stream.checkRecorded()).toBe(0);
    await stream.advance(batch(1, 70, 100), new Set());
    expect((await positions.readiness(readers))[1]?.catchUp.size).toBe(0);
    expect(await stream.checkRecorded()).toBe(0);
    expect(seeks).toHaveLength(1);
    client.disconnect();
  });

  it('does not record a batch over writes Redis lost while it ran (a failover): it is read again from where Redis stands', async () => {
    const { client, positions, readers, stream } = streamPositionsOf('lost-in-batch');
    const [a, b] = readers;
    if (!a || !b) throw new Error('fixture');
    expect(await stream.advance(batch(0, 0, 40), new Set())).toBeNull();
    const offsetOf = async (reader: typeof a) => await client.hget(reader.offsets, `${TOPIC}/0`);

    // a wrote in 40..59 (its script records 60 with the rows) but the promoted replica lacks it;
    // b wrote nothing there and stands where the batch began.
    expect(await stream.advance(batch(0, 40, 60), new Set(['a']))).toEqual({ rewindTo: '40' });
    expect(await offsetOf(a)).toBe('40');
    expect(await offsetOf(b)).toBe('60');
    expect((await positions.readiness([a]))[0]?.catchUp).toEqual(new Map([[`${TOPIC}/0`, '60']]));

    // Its write made again (the replay), the batch is recorded.
    await client.hset(a.offsets, `${TOPIC}/0`, '60');
    expect(await stream.advance(batch(0, 40, 60), new Set(['a']))).toBeNull();
    expect((await positions.readiness([a]))[0]?.catchUp.size).toBe(0);

    // b lost earlier writes (its offset went back) while a batch it wrote nothing in ran.
    await client.hset(b.offsets, `${TOPIC}/0`, '50');
    expect(await stream.advance(batch(0, 60, 80), new Set())).toEqual({ rewindTo: '50' });
    expect(await offsetOf(a)).toBe('80');
    expect(await offsetOf(b)).toBe('50');
    client.disconnect();
  });

  it('reads a partition again for a reader already catching up (a rebuilt generation handed over) without calling it a loss', async () => {
    const { client, positions, readers, stream } = streamPositionsOf('handed-over');
    const [current, rebuilt] = readers;
    if (!current || !rebuilt) throw new Error('fixture');
    await positions.markLoaded();
    expect(await stream.advance(batch(0, 0, 60), new Set())).toBeNull();
    // The rebuild read up to 40; the handoff set its target to the partition's end then.
    await client.hset(rebuilt.offsets, `${TOPIC}/0`, '40');
    await positions.catchUp(rebuilt, new Map([[`${TOPIC}/0`, '60']]));
    const lossesBefore = (await positions.losses()).length;

    expect(await stream.check(batch(0, 60, 70))).toEqual({ rewindTo: '40' });
    expect(await positions.losses()).toHaveLength(lossesBefore);

    // The current generation going back too is a loss, and the only reader recorded for it.
    await client.hset(current.offsets, `${TOPIC}/0`, '50');
    expect(await stream.check(batch(0, 60, 70))).toEqual({ rewindTo: '40' });
    const [loss] = await positions.losses();
    expect(loss?.readers).toEqual(['a']);
    client.disconnect();
  });
});
