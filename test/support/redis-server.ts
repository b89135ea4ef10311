import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { RedisClient, RedisNode } from '../../src/store/index.ts';
import { freePort } from './free-port.ts';

const run = promisify(execFile);
const clusterScript = new URL('../../stack/redis-cluster.sh', import.meta.url).pathname;

export interface TestRedis {
  /** What `createRedisStore` and friends take (a URL, and seed nodes for a cluster). */
  readonly options: { readonly url: string; readonly clusterNodes?: readonly RedisNode[] };
  /** A plain client for the test's own checks. */
  client(): RedisClient;
  stop(): Promise<void>;
}

/**
 * A real redis-server for the calling test file: started before its tests, stopped after them,
 * with a plain client for the tests' own checks (both read once the file's tests run).
 */
export function useRedisServer(): { readonly redis: TestRedis; readonly client: RedisClient } {
  let redis: TestRedis | undefined;
  let client: RedisClient | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    client = redis.client();
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the redis-server is started before the tests run');
    return value;
  };
  return {
    get redis() {
      return started(redis);
    },
    get client() {
      return started(client);
    },
  };
}

/** A real redis-server on a free port (or on `port`), with no persistence, for one test file. */
export async function startRedis(port?: number): Promise<TestRedis> {
  port ??= await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined); // refused until the server listens: retried below
  for (let attempt = 0; ; attempt += 1) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      probe.disconnect();
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  probe.disconnect();
  return {
    options: { url },
    client: () => new Redis(url),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Consecutive ports, and their cluster bus ports (+10000), that were free a moment ago
 * (redis-cluster.sh numbers nodes from a base). Below the kernel's ephemeral ports (from 32768),
 * which an outgoing connection may take at any moment.
 */
async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 10_000 + Math.floor(Math.random() * 12_000);
    const wanted = Array.from({ length: count }, (_, i) => [base + i, base + i + 10_000]).flat();
    const ports = await Promise.all(wanted.map(portIsFree));
    if (ports.every(Boolean)) return base;
  }
  throw new Error('no run of free ports found');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A real Redis Cluster of 3 primaries with a replica each (stack/redis-cluster.sh, the script the
 * local stack uses), in a temporary folder, for one test file.
 */
export async function startRedisCluster(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'readout-cluster-'));
  const base = await freePortRun(6);
  await run('bash', [clusterScript, 'up', dir, String(base), '3', '1'], {
    env: { ...process.env, READOUT_REDIS_CLUSTER_NODE_TIMEOUT_MS: '2000' },
  });
  const clusterNodes = Array.from({ length: 6 }, (_, i) => ({ host: '127.0.0.1', port: base + i }));
  return {
    options: { url: `redis://127.0.0.1:${base}`, clusterNodes },
    client: () => new Cluster(clusterNodes),
    stop: async () => {
      await run('bash', [clusterScript, 'down', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
