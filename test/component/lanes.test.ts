import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLaneWriter } from '../../src/pipeline/lane-writer.ts';
import { splitAtSnapshotEnds, type CompiledModel, type FoldEvent } from '../../src/projection/index.ts';
import {
  createRedisStore,
  modelKeys,
  withRowCache,
  type Lane,
  type ReadModelStore,
} from '../../src/store/index.ts';
import { everyMeasureModel, hourAndBandModel } from '../support/demo-models.ts';
import {
  buildHistory,
  customers,
  deliver,
  delivery,
  statuses,
  type Change,
} from '../support/order-history.ts';
import { useRedisServer } from '../support/redis-server.ts';

/**
 * A lane of several models on a real redis-server, through the real writer and apply script: one
 * memory per row for all of them, one script per batch, and every model exactly as it is when
 * written alone, under redeliveries and any batching. (A standalone Redis has no slots, so the
 * lane's keys may have different tags here.)
 */

const silent = pino({ level: 'silent' });
const server = useRedisServer();
let run = 0;

const members: CompiledModel[] = [
  everyMeasureModel('lane_status'),
  everyMeasureModel('lane_status_now', { archive: 'retract' }),
  hourAndBandModel('lane_hour_band'),
];

function laneOf(prefix: string): Lane {
  return {
    id: 'orders',
    rows: `{${prefix}:lane}:rows`,
    members,
    keys: members.map((model) => modelKeys(prefix, model)),
  };
}

/** Each member in a lane of its own (as if it were the only model of the table). */
function aloneLanes(prefix: string): Lane[] {
  return members.map((model) => ({
    id: model.name,
    rows: `{${prefix}:alone}:${model.name}:rows`,
    members: [model],
    keys: [modelKeys(prefix, model)],
  }));
}

const context = (first: string, next: string) => ({
  offset: { topic: 'readout.public.orders', partition: 0, first, next },
  records: new Map(),
  letters: [],
});

/** Writes the delivered events in batches of the given sizes, each lane by the writer. */
async function writeAll(
  store: ReadModelStore,
  lanes: readonly Lane[],
  delivered: FoldEvent[],
  sizes: number[],
): Promise<void> {
  const writer = createLaneWriter({ store, logger: silent });
  let position = 0;
  for (let i = 0; position < delivered.length; i += 1) {
    const batch = delivered.slice(position, position + (sizes[i % sizes.length] ?? 1));
    for (const segment of splitAtSnapshotEnds(batch)) {
      // Offsets are left out of these writes: the delivery's replays repeat offsets on purpose.
      for (const lane of lanes)
        await writer.write(lane, segment.events, { ...context('0', '0'), offset: null });
    }
    position += batch.length;
  }
}

describe('a lane on a real Redis', () => {
  it('writes every member as each is written alone, keeping one memory per row', async () => {
    await fc.assert(
      fc.asyncProperty(delivery, async ([changes, resends, replays, sizes]) => {
        run += 1;
        const history = buildHistory(changes, resends);
        const delivered = deliver(history.events, replays);
        const together = withRowCache(
          createRedisStore({ ...server.redis.options, keyPrefix: `lane${run}` }),
          100,
        );
        const alone = createRedisStore({ ...server.redis.options, keyPrefix: `alone${run}` });
        await writeAll(together, [laneOf(`lane${run}`)], delivered, sizes);
        await writeAll(alone, aloneLanes(`alone${run}`), delivered, sizes);
        for (const model of members) {
          const [a, b] = await Promise.all([together.readSnapshot(model), alone.readSnapshot(model)]);
          expect(a.buckets).toEqual(b.buckets);
        }
        // One memory per row, in the lane; none under the members' own keys.
        const rows = new Set(delivered.map((event) => event.rowKey)).size;
        expect(await server.client.hlen(laneOf(`lane${run}`).rows)).toBe(rows);
        for (const model of members)
          expect(await server.client.exists(modelKeys(`lane${run}`, model).rows)).toBe(0);
        await Promise.all([together.quit(), alone.quit()]);
      }),
      { numRuns: 25 },
    );
  });

  it('takes one script per batch for the whole lane', async () => {
    run += 1;
    const store = createRedisStore({ ...server.redis.options, keyPrefix: `scripts${run}` });
    const history = buildHistory([
      { key: 1, status: 'paid', cents: 1050, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      { key: 2, status: 'shipped', cents: 99, customer: 'globex', createdHours: 2, gapMinutes: 1 },
    ]);
    await server.client.config('RESETSTAT');
    await createLaneWriter({ store, logger: silent }).write(
      laneOf(`scripts${run}`),
      history.events,
      context('0', '2'),
    );
    const stats = await server.client.info('commandstats');
    // Scripts that ran (an EVALSHA Redis did not know yet is refused, then sent whole).
    const ran = (command: string) => {
      const line = new RegExp(`cmdstat_${command}:([^\\r\\n]*)`).exec(stats)?.[1] ?? '';
      const stat = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1] ?? 0);
      return stat('calls') - stat('rejected_calls') - stat('failed_calls');
    };
    expect(ran('evalsha') + ran('eval')).toBe(1);
    for (const model of members) expect((await store.readVersion(model)) > 0n).toBe(true);
    await store.quit();
  });

  it('applies a large batch in chunks as one script would, never recording an offset past a chunk Redis did not apply', async () => {
    run += 1;
    // 3000 changes of 1500 rows, one record each: the first half creates (and deletes) rows no chunk
    // before touched, the second changes them again.
    const changes: Change[] = Array.from({ length: 3000 }, (_, i) =>
      i % 7 === 6
        ? { key: i % 1500, deleted: true, gapMinutes: 1 }
        : {
            key: i % 1500,
            status: statuses[i % statuses.length] ?? 'paid',
            cents: 1 + ((i * 7919) % 100_000),
            customer: customers[i % customers.length] ?? 'acme',
            createdHours: i % 30,
            gapMinutes: 1,
          },
    );
    const { events } = buildHistory(changes);
    const end = String(events.length);
    const offsets = (prefix: string) => modelKeys(prefix, members[0] as CompiledModel).offsets;
    const reference = createRedisStore({ ...server.redis.options, keyPrefix: `whole${run}` });
    // Changes applied after their batch (no offset) are never cut into chunks: one script.
    await createLaneWriter({ store: reference, logger: silent }).write(laneOf(`whole${run}`), events, {
      ...context('0', end),
      offset: null,
    });

    // A chunk's script never reaches Redis (the connection dropped): the chunks sent after it find
    // it not applied and write nothing, and the offset stays where the chunk before it ended.
    const redis = withRowCache(createRedisStore({ ...server.redis.options, keyPrefix: `chunks${run}` }), 100);
    let calls = 0;
    let dropped = 0;
    const dropping: ReadModelStore = {
      ...redis,
      applyLane: (request) =>
        (calls += 1) === dropped ? Promise.reject(new Error('connection lost')) : redis.applyLane(request),
    };
    const chunked = `chunks${run}`;
    const writeDropping = async (call: number) => {
      calls = 0;
      dropped = call;
      await expect(
        createLaneWriter({ store: dropping, logger: silent }).write(
          laneOf(chunked),
          events,
          context('0', end),
        ),
      ).rejects.toThrow('connection lost');
    };
    // The first chunk lost: nothing recorded, nothing remembered (no offset stood before it).
    await writeDropping(1);
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(await server.client.hget(offsets(chunked), 'readout.public.orders/0')).toBeNull();
    expect(await server.client.hlen(laneOf(chunked).rows)).toBe(0);
    // The second chunk lost: the first one's records only.
    await writeDropping(2);
    expect(calls).toBeGreaterThanOrEqual(4);
    const stood = Number(await server.client.hget(offsets(chunked), 'readout.public.orders/0'));
    expect(stood).toBeGreaterThan(0);
    expect(stood).toBeLessThan(events.length);
    // Every row Redis remembers comes from a record before where the offset stands.
    const positions = await server.client.hgetall(laneOf(chunked).rows);
    const lastRecordOf = new Map(
      events.filter((event) => Number(event.record.offset) < stood).map((e) => [e.rowKey, e]),
    );
    expect(Object.keys(positions).sort()).toEqual([...lastRecordOf.keys()].sort());

    // The batch delivered again (as after the failure) completes it, exactly.
    await createLaneWriter({ store: redis, logger: silent }).write(
      laneOf(chunked),
      events,
      context('0', end),
    );
    expect(await server.client.hget(offsets(chunked), 'readout.public.orders/0')).toBe(end);
    for (const model of members) {
      const [a, b] = await Promise.all([redis.readSnapshot(model), reference.readSnapshot(model)]);
      expect(a.buckets).toEqual(b.buckets);
    }
    expect(await server.client.hgetall(laneOf(chunked).rows)).toEqual(
      await server.client.hgetall(laneOf(`whole${run}`).rows),
    );
    await Promise.all([redis.quit(), reference.quit()]);
  });

  it('deletes what a model kept in the layout before tables tagged its keys, and nothing else', async () => {
    run += 1;
    const prefix = `legacy${run}`;
    const store = createRedisStore({ ...server.redis.options, keyPrefix: prefix });
    const [model] = members as [CompiledModel];
    await server.client.hset(`{${prefix}:${model.name}}:meta`, 'version', '9');
    await server.client.hset(`{${prefix}:${model.name}}:g1:rows`, 'id=1', 'x');
    await server.client.hset(`{${prefix}:${model.name}_other}:meta`, 'version', '9');
    await server.client.hset(modelKeys(prefix, model).meta, 'version', '10');
    expect(await store.dropLegacyLayout([model])).toBe(2);
    expect(
      await server.client.exists(`{${prefix}:${model.name}}:meta`, `{${prefix}:${model.name}}:g1:rows`),
    ).toBe(0);
    expect(await server.client.hget(`{${prefix}:${model.name}_other}:meta`, 'version')).toBe('9');
    expect(await server.client.hget(modelKeys(prefix, model).meta, 'version')).toBe('10');
    // After a rebuild the former layout kept only the generations hash and the new generation.
    const [, rebuilt] = members as [CompiledModel, CompiledModel];
    await server.client.hset(`{${prefix}:${rebuilt.name}}:generation`, 'current', '1');
    await server.client.hset(`{${prefix}:${rebuilt.name}}:g1:meta`, 'version', '3');
    expect(await store.dropLegacyLayout([rebuilt])).toBe(2);
    await store.quit();
  });
});
