/**
 * End to end on the real stack (started by test/run-all.sh): SQL in PostgreSQL → Debezium →
 * Kafka → projector process → Redis → API process → GraphQL over HTTP and graphql-ws.
 * The oracle is SQL itself: the API must equal a GROUP BY over the orders table (with the rows
 * other tests archived, which orders_by_status keeps), exactly.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom, runOperation } from '../../demo/workload.ts';
import { demoModels, markerTxId, oracleRelations } from '../support/model-checks.ts';
import { queryHttp, subscribeWs } from '../support/graphql-clients.ts';
import { startPipeline, type Pipeline } from '../support/pipeline.ts';

interface Group {
  status: string;
  count: string;
  revenue: string;
}
interface OrdersByStatus {
  ordersByStatus: { groups: Group[]; freshness: { version: string; sourceTxId: string | null } };
}

const SELECTION =
  '{ ordersByStatus { groups: rows { status count: orders revenue } freshness { version sourceTxId } } }';
const MIX = { inserts: 5, updates: 4, deletes: 2 };
const pgUrl = process.env.READOUT_PG_URL ?? '';
let db: pg.Client;
const pipelines: Pipeline[] = [];

async function sqlGroups(): Promise<Group[]> {
  const model = demoModels.find((m) => m.name === 'orders_by_status');
  if (!model) throw new Error('readmodels/ defines no orders_by_status');
  const { orders } = await oracleRelations(db, model);
  const { rows } = await db.query<Group>(
    `SELECT status, count(*)::text AS count, sum(amount)::text AS revenue FROM ${orders} AS o GROUP BY status ORDER BY status`,
  );
  return rows;
}

/** Runs `count` workload operations, each its own transaction, as the application would. */
async function writeWorkload(count: number, seed: number): Promise<void> {
  const random = createRandom(seed);
  for (let i = 0; i < count; i += 1) await runOperation(db, random, MIX);
}

/** Waits until the API reports the marker's transaction applied: caught up by position. */
async function waitCaughtUp(apiUrl: string, txId: bigint, timeoutMs = 120_000): Promise<OrdersByStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await queryHttp<OrdersByStatus>(apiUrl, SELECTION).catch(() => undefined);
    const applied = answer?.ordersByStatus.freshness.sourceTxId;
    if (answer && applied && BigInt(applied) >= txId) return answer;
    if (Date.now() > deadline)
      throw new Error(`projector did not reach txId ${txId} (at ${applied ?? 'nothing'})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function expectVersionsIncreasing(received: OrdersByStatus[]): void {
  const versions = received.map((value) => BigInt(value.ordersByStatus.freshness.version));
  for (let i = 1; i < versions.length; i += 1) expect(versions[i]).toBeGreaterThan(versions[i - 1] ?? -1n);
}

beforeAll(async () => {
  if (!pgUrl)
    throw new Error('READOUT_PG_URL is not set: run the e2e tests with `npm test` (it starts the stack)');
  db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
});

afterAll(async () => {
  await Promise.all(pipelines.map((pipeline) => pipeline.stop()));
  await db?.end();
});

describe('orders by status, end to end', () => {
  it('equals SQL exactly after a mixed workload, and a subscriber saw every version in order', async () => {
    const pipeline = await startPipeline('mixed');
    pipelines.push(pipeline);
    const { apiUrl } = pipeline;
    const subscription = subscribeWs<OrdersByStatus>(apiUrl, `subscription ${SELECTION}`);
    await subscription.until(() => true, 30_000); // the current value comes first

    // Three chunks, each applied before the next: the subscriber must see each chunk's version
    // (coalescing may merge versions within a chunk, never skip past the latest).
    let answer: OrdersByStatus | undefined;
    for (const seed of [42, 43, 44]) {
      await writeWorkload(100, seed);
      answer = await waitCaughtUp(apiUrl, await markerTxId(db));
      const version = answer.ordersByStatus.freshness.version;
      const seen = await subscription.until(
        (value) => value.ordersByStatus.freshness.version === version,
        30_000,
      );
      expect(seen.ordersByStatus.groups).toEqual(answer.ordersByStatus.groups);
    }
    expect(answer?.ordersByStatus.groups).toEqual(await sqlGroups());
    expect(subscription.received.length).toBeGreaterThanOrEqual(4); // the current value, then each chunk
    expectVersionsIncreasing(subscription.received);
    await subscription.close();
  });

  it('still equals SQL exactly when the projector is killed mid-workload and restarted', async () => {
    const pipeline = await startPipeline('killed');
    pipelines.push(pipeline);
    const { apiUrl, projector, startProjector } = pipeline;
    await writeWorkload(150, 7);
    // Kill it once it has applied part of this workload, not before it started.
    const deadline = Date.now() + 60_000;
    const version = async () => {
      const answer = await queryHttp<OrdersByStatus>(apiUrl, SELECTION).catch(() => undefined);
      return BigInt(answer?.ordersByStatus.freshness.version ?? '0');
    };
    const started = await version();
    while ((await version()) <= started) {
      if (Date.now() > deadline) throw new Error('projector applied nothing');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await projector.stop('SIGKILL');
    await writeWorkload(150, 8);
    startProjector('projector-restarted');
    await writeWorkload(100, 9);
    const answer = await waitCaughtUp(apiUrl, await markerTxId(db));
    expect(answer.ordersByStatus.groups).toEqual(await sqlGroups());
  });
});
