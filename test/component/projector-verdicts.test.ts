import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/decode/index.ts';
import { readModelDefinition } from '../../src/definitions/index.ts';
import { createProjector } from '../../src/pipeline/projector.ts';
import { compileModel, type CompiledModel } from '../../src/projection/index.ts';
import { createRedisStore, modelReader, type ReadModelStore } from '../../src/store/index.ts';
import { capturedOrder, withValueText } from '../support/fixtures.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

/**
 * The projector on a real Redis, from real Debezium records: one verdict per record across the
 * models of its table, bounded retries of a failure that repeats, and a model stopped by a source
 * schema change while the others go on.
 */

const silent = pino({ level: 'silent' });
let redis: TestRedis;
let run = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

const TOPIC = 'readout.public.orders';
const AMOUNT_SCHEMA =
  '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"12"},"field":"amount"}';

const order = capturedOrder;

const models = (suffix: string): CompiledModel[] =>
  [
    {
      name: `revenue_${suffix}`,
      dimensions: [{ column: 'status' }],
      measures: [{ name: 'revenue', type: 'sum', column: 'amount', scale: 2 }],
    },
    {
      name: `bands_${suffix}`,
      dimensions: [{ name: 'size', bands: { column: 'amount', edges: ['100'] } }],
      measures: [{ name: 'orders', type: 'count' }],
    },
    {
      name: `statuses_${suffix}`,
      dimensions: [{ column: 'status' }],
      measures: [{ name: 'orders', type: 'count' }],
    },
  ].map((definition) => compileModel(readModelDefinition.parse({ source: 'public.orders', ...definition })));

function setUp(wrap: (store: ReadModelStore) => ReadModelStore = (store) => store) {
  run += 1;
  const store = createRedisStore({ ...redis.options, keyPrefix: `verdicts${run}` });
  const targets = models(String(run));
  const projector = createProjector({
    models: targets,
    store: wrap(store),
    logger: silent,
    topicOf: () => TOPIC,
  });
  const batch = (records: RawRecord[]) =>
    projector.handleBatch({ topic: TOPIC, partition: 0, records, highWatermark: '1000' });
  const rows = async (model: CompiledModel) =>
    (await store.readSnapshot(model)).buckets[0]?.groups.reduce((sum, group) => sum + group.rows, 0n) ?? 0n;
  return { store, targets, batch, rows };
}

describe('the projector on a real Redis', () => {
  it('applies a record to every model of its table or to none (one verdict), and counts it as missed by each', async () => {
    const { store, targets, batch, rows } = setUp();
    // A float amount, as a converter without schemas writes decimal.handling.mode=double (with a
    // schema saying double it would be a change of the column's type: see below). The count by
    // status alone could take it.
    const written = JSON.parse(order(2, 2).value?.toString('utf8') ?? '') as {
      payload: { after: Record<string, unknown> };
    };
    written.payload.after.amount = 12.5;
    const float = { ...order(2, 2), value: Buffer.from(JSON.stringify(written.payload)) };
    const stats = await batch([order(1, 1), float, order(3, 3)]);
    expect(stats.deadLettered).toBe(1);
    for (const model of targets) expect(await rows(model)).toBe(2n);
    const [letter] = await store.listDeadLetters();
    expect(letter?.offset).toBe('2');
    expect(letter?.reason).toMatch(
      /revenue_\d+: amount arrived as a float.*; bands_\d+: amount arrived as a float/,
    );
    expect(Object.fromEntries(await store.countMissed(targets))).toEqual(
      Object.fromEntries(targets.map((model) => [model.name, 1])),
    );
    // Dropping the dead letter accepts the gap: the models are complete again.
    await store.removeDeadLetters(['readout.public.orders/0/2']);
    expect([...(await store.countMissed(targets)).values()]).toEqual([0, 0, 0]);
    await store.quit();
  });

  it('retries a failure that repeats a bounded number of times, then sets aside only the record that fails', async () => {
    const { store, targets, batch, rows } = setUp((store) => ({
      ...store,
      async applyLane(request) {
        if (request.fold.rows.has('id=66')) throw new TypeError('an unforeseen failure');
        return store.applyLane(request);
      },
    }));
    const records = [order(65, 10), order(66, 11), order(67, 12)];
    await expect(batch(records)).rejects.toThrow('an unforeseen failure');
    await expect(batch(records)).rejects.toThrow('an unforeseen failure');
    const stats = await batch(records);
    expect(stats.deadLettered).toBe(1);
    for (const model of targets) expect(await rows(model)).toBe(2n);
    const letters = await store.listDeadLetters();
    expect(letters.map((l) => [l.offset, l.code])).toEqual([['11', 'RECORD_FAILED']]);
    expect(letters[0]?.reason).toContain('an unforeseen failure');
    await store.quit();
  });

  it('stops a model whose column left the source schema; the other models of the table go on', async () => {
    const { store, targets, batch, rows } = setUp();
    const [revenue, bands, statuses] = targets as [CompiledModel, CompiledModel, CompiledModel];
    // The amount column renamed to total (ALTER TABLE … RENAME), schema and payload alike.
    const renamed = (id: number, offset: number) =>
      withValueText(
        withValueText(order(id, offset), '"field":"amount"', '"field":"total"', { everywhere: true }),
        '"amount":"BOI="',
        '"total":"BOI="',
        { everywhere: true },
      );
    await batch([order(1, 1), renamed(2, 2), order(3, 3)]);
    await batch([renamed(4, 4)]);
    expect(await rows(revenue)).toBe(1n);
    expect(await rows(bands)).toBe(1n);
    expect(await rows(statuses)).toBe(4n);
    const states = await store.positions.readiness(
      targets.map((model) => modelReader(`verdicts${run}`, model)),
    );
    expect(states.map((state) => state.stopped?.code ?? null)).toEqual([
      'SOURCE_SCHEMA_CHANGED',
      'SOURCE_SCHEMA_CHANGED',
      null,
    ]);
    expect(states[0]?.stopped?.reason).toMatch(/column amount of public\.orders is not in its change events/);
    expect(states[0]?.stopped?.at).toBe('readout.public.orders/0/2');
    expect(await store.listDeadLetters()).toEqual([]);
    await store.quit();
  });

  it('stops a model whose column changed type family (a decimal that became text)', async () => {
    const { store, targets, batch, rows } = setUp();
    const asText = withValueText(
      withValueText(order(2, 2), AMOUNT_SCHEMA, '{"type":"string","optional":false,"field":"amount"}', {
        everywhere: true,
      }),
      '"amount":"BOI="',
      '"amount":"12.50"',
      { everywhere: true },
    );
    await batch([order(1, 1)]);
    await batch([asText, order(3, 3)]);
    const states = await store.positions.readiness(
      targets.map((model) => modelReader(`verdicts${run}`, model)),
    );
    expect(states[0]?.stopped?.reason).toMatch(
      /column amount of public\.orders changed type from bytes\/org\.apache\.kafka\.connect\.data\.Decimal to string/,
    );
    expect(await rows(targets[0] as CompiledModel)).toBe(1n);
    expect(await rows(targets[2] as CompiledModel)).toBe(3n);
    await store.quit();
  });
});
