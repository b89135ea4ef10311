import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowEvent } from '../../src/decode/index.ts';
import { createLaneWriter } from '../../src/pipeline/lane-writer.ts';
import { foldBatch, type CompiledModel } from '../../src/projection/index.ts';
import {
  createRedisStore,
  modelKeys,
  tableLaneKeys,
  type DeadLetter,
  type ModelSnapshot,
  type ReadModelStore,
} from '../../src/store/index.ts';
import type { RedisClient } from '../../src/store/index.ts';
import { amountsModel, change, ledgerEvents, ledgerHistory, reference } from '../support/exact-ledger.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

/**
 * Exact at any size, on a real redis-server through the real scripts: sums past 2^63 and 2^127,
 * extremes beyond 2^53 and beyond the double range, rankings whose totals a double cannot tell
 * apart; and all or nothing: a batch the script refuses leaves every key as it was.
 */

const silent = pino({ level: 'silent' });
let redis: TestRedis;
let client: RedisClient;
let run = 0;

beforeAll(async () => {
  redis = await startRedis();
  client = redis.client();
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

function storeFor(prefix: string): ReadModelStore {
  return createRedisStore({ ...redis.options, keyPrefix: prefix });
}

async function applyAll(store: ReadModelStore, model: CompiledModel, events: RowEvent[], size: number) {
  for (let at = 0; at < events.length; at += size) {
    const batch = events.slice(at, at + size);
    const state = await store.readModelState(model, [...new Set(batch.map((e) => e.rowKey))]);
    const fold = foldBatch(model, batch, state);
    if (fold.rows.size === 0) continue;
    const outcome = await store.applyBatch(model, { fold, offset: null });
    expect(outcome.kind).toBe('applied');
  }
}

/** Per account: the snapshot's exact numbers as text ("rows" is the group's row counter). */
function numbers(snapshot: ModelSnapshot): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const group of snapshot.buckets[0]?.groups ?? []) {
    const entry: Record<string, string> = { rows: group.rows.toString() };
    for (const [name, value] of Object.entries(group.counters)) entry[name] = value.toString();
    for (const [name, value] of Object.entries(group.extremes)) if (value !== null) entry[name] = value;
    result[String(group.group[0])] = entry;
  }
  return result;
}

describe('exact sums and extremes at any size (real apply and read scripts)', () => {
  it('sums numeric(18,4) maxima past 2^63 and numeric(38,18) maxima past 2^127', async () => {
    const store = storeFor(`exact${(run += 1)}`);
    const small = amountsModel(`small${run}`, 4);
    const wide = amountsModel(`wide${run}`, 18);
    const max18 = '99999999999999.9999';
    const max38 = '99999999999999999999.999999999999999999';
    const events18 = Array.from({ length: 10 }, (_, i) =>
      change('create', i, { account: 'a', amount: max18 }),
    );
    const events38 = Array.from({ length: 1000 }, (_, i) =>
      change('create', i, { account: 'a', amount: max38 }),
    );
    await applyAll(store, small, events18, 3);
    await applyAll(store, wide, events38, 128);
    const sum18 = 10n * 999999999999999999n;
    const sum38 = 1000n * 99999999999999999999999999999999999999n;
    expect(sum18 > 2n ** 63n && sum38 > 2n ** 127n).toBe(true);
    const a18 = numbers(await store.readSnapshot(small)).a;
    const a38 = numbers(await store.readSnapshot(wide)).a;
    expect(a18?.total).toBe(sum18.toString());
    expect(a38?.total).toBe(sum38.toString());
    expect(a38?.['mean.sum']).toBe(sum38.toString());
    expect(a38?.most).toBe('99999999999999999999999999999999999999');
    // Deleting all but one brings the sum back below 2^63, exactly.
    await applyAll(
      store,
      wide,
      Array.from({ length: 999 }, (_, i) => change('delete', i, { account: 'a', amount: '0' })),
      100,
    );
    expect(numbers(await store.readSnapshot(wide)).a?.total).toBe('99999999999999999999999999999999999999');
    await store.quit();
  });

  it('orders minima and maxima exactly beyond 2^53 and beyond the double range', async () => {
    const store = storeFor(`exact${(run += 1)}`);
    const model = amountsModel(`extremes${run}`, 0);
    const near = 2n ** 53n;
    const huge = `9${'0'.repeat(400)}`; // beyond 1.8e308: every score is +inf
    const values = [near + 2n, near + 1n, near + 3n, -(near + 5n), -(near + 4n)].map(String);
    const hugeValues = [`${huge}7`, `${huge}5`, `${huge}9`, `-${huge}1`, `-${huge}3`];
    const events = [
      ...values.map((amount, i) => change('create', i, { account: 'near', amount })),
      ...hugeValues.map((amount, i) => change('create', 100 + i, { account: 'huge', amount })),
    ];
    await applyAll(store, model, events, 4);
    const view = numbers(await store.readSnapshot(model));
    expect(view.near?.least).toBe(String(-(near + 5n)));
    expect(view.near?.most).toBe(String(near + 3n));
    expect(view.huge?.least).toBe(`-${huge}3`);
    expect(view.huge?.most).toBe(`${huge}9`);
    // The extreme goes; the next one, as close as a double cannot tell, takes its place.
    await applyAll(
      store,
      model,
      [
        change('delete', 2, { account: 'near', amount: '0' }),
        change('delete', 102, { account: 'huge', amount: '0' }),
      ],
      2,
    );
    const after = numbers(await store.readSnapshot(model));
    expect(after.near?.most).toBe(String(near + 2n));
    expect(after.huge?.most).toBe(`${huge}7`);
    await store.quit();
  });

  it('ranks groups whose totals a double cannot tell apart in their exact order', async () => {
    const store = storeFor(`exact${(run += 1)}`);
    const model = amountsModel(`ranking${run}`, 0);
    const base = 2n ** 60n;
    const totals: Array<[string, bigint]> = [
      ['c', base],
      ['a', base + 1n],
      ['b', base + 2n],
      ['d', base - 1n],
    ];
    await applyAll(
      store,
      model,
      totals.map(([account, total], i) => change('create', i, { account, amount: total.toString() })),
      4,
    );
    const snapshot = await store.readSnapshot(model);
    expect(snapshot.buckets[0]?.ranking).toEqual([['b'], ['a']]);
    await store.quit();
  });

  it('equals a BigInt reference for random decimals at scales 0 to 30 (property)', async () => {
    const store = storeFor(`exact${(run += 1)}`);
    await fc.assert(
      fc.asyncProperty(ledgerHistory, async ({ scale, steps, size }) => {
        const model = amountsModel(`prop${(run += 1)}`, scale);
        const { events, rows } = ledgerEvents(steps, scale);
        await applyAll(store, model, events, size);
        expect(numbers(await store.readSnapshot(model))).toEqual(reference(rows));
      }),
      { numRuns: 40 },
    );
    await store.quit();
  });
});

/** Every key under a prefix with its DUMP: equal maps mean Redis is exactly as it was. */
async function everything(prefix: string): Promise<Map<string, string>> {
  const keys = (await client.keys(`*${prefix}*`)).sort();
  const dumps = await Promise.all(keys.map((key) => client.dumpBuffer(key)));
  return new Map(keys.map((key, i) => [key, dumps[i]?.toString('base64') ?? '']));
}

describe('all or nothing: a batch the apply script refuses leaves Redis as it was', () => {
  const bucketed = (name: string) =>
    amountsModel(name, 2, {
      dimensions: [
        { name: 'hour', bucket: { column: 'created_at', unit: 'hour', timeZone: 'UTC' } },
        { column: 'account' },
      ],
      retention: '2h',
    });

  /** A bucketed change at an hour (so that a later one expires earlier buckets). */
  function at(id: number, hour: number, account: string, amount: string, label = 'x'): RowEvent {
    const event = change('create', id, { account, amount, label });
    const createdAt = new Date(Date.UTC(2026, 0, 1, hour)).toISOString();
    return {
      ...event,
      source: { ...event.source, commitTimeMs: BigInt(Date.UTC(2026, 0, 1, hour, 30)) },
      after: { ...(event.kind === 'delete' ? {} : event.after), created_at: createdAt },
    } as RowEvent;
  }

  // Each step the script writes, and how to make its key unwritable for that step.
  const steps: Array<{
    step: string;
    spoil: (keys: ReturnType<typeof modelKeys>, lanes: ReturnType<typeof tableLaneKeys>) => [string, string];
  }> = [
    { step: 'row memories', spoil: (_k, lanes) => [lanes.rows('main'), 'string'] },
    { step: 'counters', spoil: (k) => [`${k.base}:agg:2026-01-01T03:00:00+00:00`, 'string'] },
    { step: 'ranking', spoil: (k) => [`${k.base}:rank:total:2026-01-01T03:00:00+00:00`, 'hash'] },
    {
      step: 'extremes',
      spoil: (k) => [`${k.base}:ext:least:2026-01-01T03:00:00+00:00:["b"]`, 'string'],
    },
    {
      step: 'distinct values',
      spoil: (k) => [`${k.base}:dst:labels:2026-01-01T03:00:00+00:00:["b"]`, 'zset'],
    },
    { step: 'bucket registry', spoil: (k) => [k.buckets, 'hash'] },
    {
      step: 'keys of a bucket',
      spoil: (k) => [`${k.base}:bucket-keys:2026-01-01T03:00:00+00:00`, 'string'],
    },
    {
      step: 'retention (keys of an expiring bucket)',
      spoil: (k) => [`${k.base}:bucket-keys:2026-01-01T00:00:00+00:00`, 'zset'],
    },
    { step: 'version and counts', spoil: (k) => [k.meta, 'string'] },
    { step: 'offsets', spoil: (k) => [k.offsets, 'string'] },
  ];

  async function spoilKey(key: string, kind: string): Promise<void> {
    await client.del(key);
    if (kind === 'string') await client.set(key, 'spoiled');
    if (kind === 'hash') await client.hset(key, 'spoiled', '1');
    if (kind === 'zset') await client.zadd(key, 1, 'spoiled');
  }

  for (const { step, spoil } of steps) {
    it(`refuses with nothing written when ${step} cannot be written`, async () => {
      const prefix = `atomic${(run += 1)}`;
      const store = storeFor(prefix);
      const model = bucketed(`m${run}`);
      const keys = modelKeys(prefix, model);
      await applyAll(store, model, [at(1, 0, 'a', '1.00'), at(2, 1, 'b', '2.00')], 2);
      expect(numbers(await store.readSnapshot(model))).not.toEqual({});
      // Hour 3 expires hour 0 (2 h retention) and writes every kind of key.
      const batch = [at(3, 3, 'b', '5.00', 'y'), at(4, 3, 'a', '7.00')];
      const state = await store.readModelState(
        model,
        batch.map((e) => e.rowKey),
      );
      const [key, kind] = spoil(keys, tableLaneKeys(prefix, model.table));
      await spoilKey(key, kind);
      const before = await everything(prefix);
      const outcome = await store.applyBatch(model, {
        fold: foldBatch(model, batch, state),
        offset: { topic: 't', partition: 0, first: '0', next: '9' },
      });
      expect(outcome).toMatchObject({ kind: 'refused' });
      if (outcome.kind === 'refused') expect(outcome.reason).toContain(key);
      expect(await everything(prefix)).toEqual(before);
      await store.quit();
    });
  }

  it('refuses a stored total that is not an integer, with nothing written', async () => {
    const prefix = `atomic${(run += 1)}`;
    const store = storeFor(prefix);
    const model = amountsModel(`m${run}`, 2);
    await applyAll(store, model, [change('create', 1, { account: 'a', amount: '1.00' })], 1);
    await client.hset(modelKeys(prefix, model).counters(null), 'total|["a"]', '1.5');
    const before = await everything(prefix);
    const batch = [change('create', 2, { account: 'a', amount: '2.00' })];
    const outcome = await store.applyBatch(model, {
      fold: foldBatch(model, batch, await store.readModelState(model, ['id=2'])),
      offset: null,
    });
    expect(outcome).toMatchObject({ kind: 'refused' });
    expect(await everything(prefix)).toEqual(before);
    await store.quit();
  });

  it('dead-letters only the records Redis refuses, for that model, and applies the rest', async () => {
    const prefix = `atomic${(run += 1)}`;
    const store = storeFor(prefix);
    const model = amountsModel(`m${run}`, 2);
    // Account b's minimum cannot be written; account a's changes can.
    await client.set(`${modelKeys(prefix, model).base}:ext:least:-:["b"]`, 'spoiled');
    const events = [
      change('create', 1, { account: 'a', amount: '1.00' }),
      change('create', 2, { account: 'b', amount: '2.00' }),
      change('create', 3, { account: 'a', amount: '3.00' }),
      change('create', 4, { account: 'a', amount: '4.00' }),
    ];
    const letters: DeadLetter[] = [];
    const records = new Map(
      events.map((e) => [
        e.record.offset,
        { ...e.record, key: Buffer.from(e.rowKey), value: Buffer.from('{}') },
      ]),
    );
    const writer = createLaneWriter({ store, logger: silent });
    const [lane] = await store.lanesOf([model]);
    if (!lane) throw new Error('no lane');
    const result = await writer.write(lane, events, { offset: null, records, letters });
    expect(result.applied).toBe(3);
    expect(letters.map((l) => [l.offset, l.code, l.concerns])).toEqual([
      [events[1]?.record.offset, 'STORE_REFUSED', [{ model: model.name, table: model.table, generation: 0 }]],
    ]);
    expect(numbers(await store.readSnapshot(model))).toMatchObject({ a: { total: '800', rows: '3' } });
    expect(numbers(await store.readSnapshot(model)).b).toBeUndefined();
    await store.quit();
  });

  it('names by its position a refused change applied after its batch (no raw record at hand)', async () => {
    const prefix = `atomic${(run += 1)}`;
    const store = storeFor(prefix);
    const model = amountsModel(`m${run}`, 2);
    await client.set(`${modelKeys(prefix, model).base}:ext:least:-:["b"]`, 'spoiled');
    const event = change('create', 2, { account: 'b', amount: '2.00' });
    const letters: DeadLetter[] = [];
    await createLaneWriter({ store, logger: silent }).write(
      (await store.lanesOf([model]))[0] ?? noLane(),
      [event],
      {
        offset: null,
        records: new Map(),
        letters,
      },
    );
    expect(letters.map((l) => [l.offset, l.code, l.key, l.value])).toEqual([
      [event.record.offset, 'STORE_REFUSED', null, null],
    ]);
    await store.quit();
  });
});

function noLane(): never {
  throw new Error('no lane');
}
