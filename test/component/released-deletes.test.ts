import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCleanupRules } from '../../src/cleanup/index.ts';
import type { RawRecord } from '../../src/decode/index.ts';
import { readModelDefinition } from '../../src/definitions/index.ts';
import { ErrorCode, ReadoutError } from '../../src/errors/index.ts';
import { createProjector } from '../../src/pipeline/projector.ts';
import { compileModel, type CompiledModel } from '../../src/projection/index.ts';
import {
  createGuardStore,
  createRedisStore,
  withRowCache,
  type ReadModelStore,
} from '../../src/store/index.ts';
import { capturedRecord, withValueText } from '../support/fixtures.ts';
import { startRedis, type TestRedis } from '../support/redis-server.ts';

/**
 * A business delete waits for its transaction's END (the mass-delete guard), and whoever reads the
 * END applies it: another projector, at any moment. A row's position makes its changes idempotent,
 * so a delete applied to a model before the model applied the changes before it in the partition
 * turns those into "duplicates" when they come. The state models do not show it (the row is gone
 * either way); a flow model loses the move those changes made. The scale test's Redis failover and
 * killed projectors made that happen about once in ten runs (one "shipped" fewer than the topic).
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

const ORDERS = 'readout.public.orders';
const TRANSACTIONS = 'readout.transaction';

/** Bob's order created as "shipped" (a move into shipped) in transaction 740, at `offset`. */
const shipped = (offset: string) =>
  withValueText(
    withValueText(capturedRecord('create-bob-paid', offset), '"status":"paid"', '"status":"shipped"', {
      everywhere: true,
    }),
    '"txId":741',
    '"txId":740',
    { everywhere: true },
  );
/** Bob's order deleted in transaction 741 (LSN after the create), at `offset`. */
const deleted = (offset: string) => capturedRecord('delete-bob', offset);
/** Transaction 741's END (it changed 4 rows of public.orders: below the guard's threshold). */
const end741 = (offset: string) => capturedRecord('transaction-end', offset);

const flow = (suffix: string) =>
  compileModel(
    readModelDefinition.parse({
      name: `shipped_${suffix}`,
      source: 'public.orders',
      kind: 'flow',
      when: { becomes: { column: 'status', in: ['shipped'] } },
      dimensions: [],
      measures: [{ name: 'shipped', type: 'count' }],
    }),
  );
const statuses = (suffix: string) =>
  compileModel(
    readModelDefinition.parse({
      name: `statuses_${suffix}`,
      source: 'public.orders',
      dimensions: [{ column: 'status' }],
      measures: [{ name: 'orders', type: 'count' }],
    }),
  );

/** A store whose writes to `failing` models fail (their Redis primary is failing over). */
function failingFor(store: ReadModelStore, failing: Set<string>): ReadModelStore {
  return {
    ...store,
    async applyLane(request) {
      if (request.members.some(({ model }) => failing.has(model.name)))
        throw new ReadoutError(ErrorCode.DependencyUnavailable, 'Redis apply script failed: failing over', {
          retriable: true,
        });
      return await store.applyLane(request);
    },
  };
}

function setUp() {
  run += 1;
  const options = { ...redis.options, keyPrefix: `released${run}` };
  const plain = createRedisStore(options);
  const failing = new Set<string>();
  const guard = createGuardStore(options);
  const shippedModel = flow(String(run));
  const statusModel = statuses(String(run));
  const models = [shippedModel, statusModel];
  /** A projector of the group (each with its own row cache, as each process has). */
  const projector = () =>
    createProjector({
      models,
      store: withRowCache(failingFor(plain, failing), 1000),
      logger: silent,
      cleanup: {
        rules: createCleanupRules([], { archiveOrigins: [], massDeleteRows: 100 }),
        guard,
        transactionTopic: TRANSACTIONS,
      },
      topicOf: () => ORDERS,
    });
  const shippedCount = async (model: CompiledModel) =>
    (await plain.readSnapshot(model)).buckets.reduce(
      (sum, bucket) => bucket.groups.reduce((total, group) => total + (group.counters.shipped ?? 0n), sum),
      0n,
    );
  const rows = async (model: CompiledModel) =>
    (await plain.readSnapshot(model)).buckets.reduce(
      (sum, bucket) => bucket.groups.reduce((total, group) => total + group.rows, sum),
      0n,
    );
  /** Has the model applied the order's delete? (Its row is kept as a bare position.) */
  const deletedFrom = (model: CompiledModel) => plain.rowsDeleted(model, ['id=2']);
  return {
    models,
    shippedModel,
    statusModel,
    failing,
    projector,
    shippedCount,
    rows,
    deletedFrom,
    quit: async () => Promise.all([plain.quit(), guard.quit()]),
  };
}

const batch = (topic: string, records: RawRecord[]) => ({
  topic,
  partition: 0,
  records,
  highWatermark: String(Number(records.at(-1)?.offset ?? '0') + 1),
});

describe('deletes released by their END, while a model has not applied the changes before them', () => {
  it('a failover of the flow model keeps its batch from landing; the END, read by another projector, comes first', async () => {
    const { failing, projector, shippedCount, rows, deletedFrom, quit, shippedModel, statusModel } = setUp();
    const owner = projector();
    const other = projector();
    // The orders partition's owner: the delete waits for its END; the flow model's slot is failing
    // over, so its write of the batch fails (the batch will be delivered again).
    failing.add(shippedModel.name);
    await expect(owner.handleBatch(batch(ORDERS, [shipped('1'), deleted('2')]))).rejects.toThrow(
      /failing over/,
    );
    failing.clear();
    // Another projector reads the transaction's END and releases the delete.
    await other.handleBatch(batch(TRANSACTIONS, [end741('0')]));
    // The orders batch again: the move into shipped is counted once, and the order is gone.
    await owner.handleBatch(batch(ORDERS, [shipped('1'), deleted('2')]));
    expect(await shippedCount(shippedModel)).toBe(1n);
    expect(await rows(statusModel)).toBe(0n);
    expect(await deletedFrom(shippedModel)).toBe(true);
    await quit();
  });

  it('the delete alone in its batch (the models write nothing of it), its END read right after: applied', async () => {
    const { projector, shippedCount, rows, deletedFrom, quit, shippedModel, statusModel } = setUp();
    const owner = projector();
    const other = projector();
    await owner.handleBatch(batch(ORDERS, [shipped('1')]));
    // No model writes anything of this batch (its one change waits for its END), so none records
    // the batch's offset with a write; the END's reader must find them past it all the same.
    await owner.handleBatch(batch(ORDERS, [deleted('2')]));
    await other.handleBatch(batch(TRANSACTIONS, [end741('0')]));
    expect(await shippedCount(shippedModel)).toBe(1n);
    expect(await rows(statusModel)).toBe(0n);
    expect(await deletedFrom(shippedModel)).toBe(true);
    await quit();
  });

  it('the END read while the owner writes the batch that holds the delete: the delete is applied once the models read it', async () => {
    const { models, projector, shippedCount, rows, deletedFrom, quit, shippedModel, statusModel } = setUp();
    const other = projector();
    // The owner is slow to write: the END is handled between its admission of the delete and its
    // writes (two processes at once, made deterministic here by a store that waits).
    let released: Promise<unknown> | undefined;
    const ownerStore = createRedisStore({ ...redis.options, keyPrefix: `released${run}` });
    const slow: ReadModelStore = {
      ...ownerStore,
      async applyLane(request) {
        released ??= other.handleBatch(batch(TRANSACTIONS, [end741('0')]));
        await released;
        return await ownerStore.applyLane(request);
      },
    };
    const owner = createProjector({
      models,
      store: slow,
      logger: silent,
      cleanup: {
        rules: createCleanupRules([], { archiveOrigins: [], massDeleteRows: 100 }),
        guard: createGuardStore({ ...redis.options, keyPrefix: `released${run}` }),
        transactionTopic: TRANSACTIONS,
      },
      topicOf: () => ORDERS,
    });
    await owner.handleBatch(batch(ORDERS, [shipped('1'), deleted('2')]));
    expect(await shippedCount(shippedModel)).toBe(1n);
    // Not left waiting: the delete was applied to every model, by one projector or the other.
    expect(await rows(statusModel)).toBe(0n);
    expect(await deletedFrom(shippedModel)).toBe(true);
    await ownerStore.quit();
    await quit();
  });
});
