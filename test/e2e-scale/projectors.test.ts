/**
 * The scaled shape (test/run-scale.sh: a Redis Cluster of 3 primaries and 3 replicas, Debezium
 * topics of 6 partitions): 3 projectors in one consumer group and 2 API processes. Under a mixed
 * workload projectors are killed and started, one is stopped past its session timeout and
 * resumed, and the Redis primary that holds orders_by_status is killed so its replica takes over;
 * afterwards every read model equals SQL, every move into "shipped" was counted once, and the
 * subscribers of both APIs saw versions in order, the same value for the same version, ending at
 * SQL's.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadModelStore } from '../../src/store/index.ts';
import { dataNodes, isCluster } from '../../src/store/connection.ts';
import { modelKeys } from '../../src/store/index.ts';
import { backgroundWorkload } from '../support/background-workload.ts';
import { freePort } from '../support/free-port.ts';
import { queryHttp, subscribeWs, type Subscription } from '../support/graphql-clients.ts';
import {
  connectToStack,
  expectFlowMatchesAudit,
  expectFlowMatchesStream,
  expectModelsEqualSql,
  markShippedFlow,
  shippedByMinute,
  stackRedisClient,
} from '../support/model-checks.ts';
import { runReadout, startReadout, waitForHealthy, type ReadoutProcess } from '../support/readout-process.ts';
import { currentLsn, shippedMovesInStream, stackKafka } from '../support/stream-oracle.ts';

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
const processes: ReadoutProcess[] = [];
let started = 0;

interface Group {
  status: string;
  count: string;
  revenue: string;
}
interface OrdersByStatus {
  ordersByStatus: { groups: Group[]; freshness: { version: string } };
}
const LIVE =
  'subscription { ordersByStatus { groups: rows { status count: orders revenue } freshness { version } } }';

function startProjector(): ReadoutProcess {
  started += 1;
  const projector = startReadout(`${id}-projector-${started}`, 'projector', env);
  processes.push(projector);
  return projector;
}

async function startApi(name: string): Promise<string> {
  const port = await freePort();
  processes.push(
    startReadout(`${id}-${name}`, 'api', { ...env, READOUT_API_PORT: String(port), READOUT_API_AUTH: 'off' }),
  );
  await waitForHealthy(`http://127.0.0.1:${port}/healthz`, 60_000);
  return `http://127.0.0.1:${port}/graphql`;
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

async function sqlGroups(): Promise<Group[]> {
  const { rows } = await db.query<Group>(
    'SELECT status, count(*)::text AS count, sum(amount)::text AS revenue FROM orders GROUP BY status ORDER BY status',
  );
  return rows;
}

const groupsOf = (value: OrdersByStatus) =>
  value.ordersByStatus.groups
    .filter((group) => group.count !== '0')
    .sort((a, b) => a.status.localeCompare(b.status));

/** Each subscriber: versions only go up, and a version means one value whichever API sent it. */
function expectSameVersionsSameValues(subscriptions: ReadonlyArray<Subscription<OrdersByStatus>>): void {
  const valueOf = new Map<string, string>();
  for (const subscription of subscriptions) {
    const versions = subscription.received.map((value) => BigInt(value.ordersByStatus.freshness.version));
    for (let i = 1; i < versions.length; i += 1) expect(versions[i]).toBeGreaterThan(versions[i - 1] ?? -1n);
    for (const value of subscription.received) {
      const version = value.ordersByStatus.freshness.version;
      const text = JSON.stringify(groupsOf(value));
      expect(valueOf.get(version) ?? text, `version ${version}`).toBe(text);
      valueOf.set(version, text);
    }
  }
}

/** How many members the projectors' consumer group has now. */
async function groupMembers(): Promise<number> {
  const admin = stackKafka('readout-test-group').admin();
  await admin.connect();
  const { groups } = await admin.describeGroups([id]);
  await admin.disconnect();
  return groups[0]?.members.length ?? 0;
}

/** The port of the primary that serves `key`'s slot now. */
async function primaryOf(key: string): Promise<number> {
  const admin = stackRedisClient();
  if (!isCluster(admin)) throw new Error('the scale tests need the Redis Cluster of test/run-scale.sh');
  const slot = Number(await admin.cluster('KEYSLOT', key));
  const shards = await admin.cluster('SLOTS');
  admin.disconnect();
  const port = shards.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1];
  if (port === undefined) throw new Error(`no primary serves slot ${slot}`);
  return port;
}

/** Kills (SIGKILL) the primary that serves `key`'s slot; returns how to start it again. */
async function killPrimaryOf(key: string): Promise<{ port: number; restart: () => void }> {
  const port = await primaryOf(key);
  const folder = `${process.env.READOUT_STACK_DIR ?? ''}/redis-cluster/${port}`;
  process.kill(Number(readFileSync(`${folder}/redis.pid`, 'utf8')), 'SIGKILL');
  return { port, restart: () => execFileSync('redis-server', [`${folder}/redis.conf`]) };
}

beforeAll(async () => {
  ({ db, store } = await connectToStack(id));
});

afterAll(async () => {
  await Promise.all(processes.map((process) => process.stop()));
  await store?.quit();
  await db?.end();
});

describe('several projectors over partitioned topics', () => {
  it('kills, restarts, a stall past the session timeout and a Redis failover lose and double nothing', async () => {
    expect(Number(process.env.READOUT_TOPIC_PARTITIONS ?? '1')).toBe(6);
    const [first, second] = [startProjector(), startProjector()];
    startProjector();
    const apis = [await startApi('api-1'), await startApi('api-2')];
    await eventuallyEqualSql(120_000);
    const subscriptions = apis.map((url) => subscribeWs<OrdersByStatus>(url, LIVE));
    await Promise.all(subscriptions.map((subscription) => subscription.until(() => true, 30_000)));
    const before = await markShippedFlow(store, db);
    const minutesBefore = await shippedByMinute(store);
    const startLsn = await currentLsn(db); // nothing writes now: the workload starts below
    const workload = backgroundWorkload(777, { inserts: 5, updates: 4, deletes: 1 }, 10);
    await sleep(3000);
    await first.stop('SIGKILL');
    await sleep(2000);
    startProjector();
    const hot = modelKeys(id, { name: 'orders_by_status', table: 'public.orders' }).meta;
    const killed = await killPrimaryOf(hot);
    await sleep(6000); // the replica takes over (cluster-node-timeout 2 s in run-scale.sh)
    expect(await primaryOf(hot)).not.toBe(killed.port);
    second.signal('SIGSTOP'); // a stall: the group moves its partitions to the others
    await sleep(SESSION_TIMEOUT_MS + 4000);
    second.signal('SIGCONT'); // a zombie for a moment: its writes are fenced
    killed.restart(); // the old primary rejoins as a replica
    await sleep(4000);
    await workload.stop();
    await eventuallyEqualSql(120_000);
    await sleep(3000);
    // Readout's count against what Debezium delivered, then against PostgreSQL's audit: the first
    // difference would be Readout's, a second one Debezium's.
    const after = await markShippedFlow(store, db);
    const streamed = await shippedMovesInStream(
      `${process.env.READOUT_TOPIC_PREFIX ?? 'readout'}.public.orders`,
      startLsn,
    );
    await expectFlowMatchesStream(store, { keyPrefix: id, before, after, minutesBefore, streamed, startLsn });
    expectFlowMatchesAudit(before, after);

    // The final resync: both APIs' subscribers end at SQL's value.
    const expected = JSON.stringify(await sqlGroups());
    for (const subscription of subscriptions)
      await subscription.until((value) => JSON.stringify(groupsOf(value)) === expected, 30_000);
    for (const url of apis) {
      const answer = await queryHttp<OrdersByStatus>(url, LIVE.replace('subscription', 'query'));
      expect(JSON.stringify(groupsOf(answer))).toBe(expected);
    }
    expectSameVersionsSameValues(subscriptions);
    expect(Math.min(...subscriptions.map((s) => s.received.length))).toBeGreaterThan(5);
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
    // The stalled projector is back in the group (dropped from it, it joins again): 2, 3 and 4.
    expect(await groupMembers()).toBe(3);
  });

  it('a rebuild under traffic is taken over by the group, switched once caught up on every partition', async () => {
    const workload = backgroundWorkload(778, { inserts: 5, updates: 4, deletes: 1 }, 10);
    const result = await runReadout(['rebuild', 'orders_by_status', 'revenue_by_customer'], env);
    await sleep(2000);
    await workload.stop();
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const admin = stackRedisClient();
    const current = await admin.hget(
      modelKeys(id, { name: 'orders_by_status', table: 'public.orders' }).generations,
      'current',
    );
    admin.disconnect();
    expect(current).toBe('1');
    await eventuallyEqualSql(120_000);
  });

  it('a Redis flushed while nothing is written is reloaded by every projector, each for its own partitions', async () => {
    const admin = stackRedisClient();
    const primaries = await dataNodes(admin);
    expect(primaries).toHaveLength(3);
    const flushedAtMs = Date.now();
    await Promise.all(primaries.map((node) => node.flushall()));
    admin.disconnect();
    await sleep(5000);
    await eventuallyEqualSql(60_000);
    // Equal because the projectors noticed the flush and reloaded, not because nothing was flushed.
    const reloads = (await store.positions.losses()).filter(
      (loss) => loss.kind === 'everything' && loss.atMs >= flushedAtMs,
    );
    expect(reloads.length).toBeGreaterThan(0);
  });
});
