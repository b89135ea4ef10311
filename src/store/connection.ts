import { Cluster, Redis } from 'ioredis';

/** A single Redis or a Redis Cluster: every command Readout sends works on both (see keys.ts). */
export type RedisClient = Redis | Cluster;

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisConnectionOptions {
  /** A single Redis; ignored when `clusterNodes` is given. */
  readonly url: string;
  /** Seed nodes of a Redis Cluster (any reachable ones: the client discovers the rest). */
  readonly clusterNodes?: readonly RedisNode[];
  /**
   * Told once per outage (again only after the connection was ready in between): ioredis retries
   * by itself and emits an error per attempt, which would otherwise print as "Unhandled error
   * event". Commands made meanwhile fail on their own with REDIS_UNAVAILABLE.
   */
  readonly onConnectionLost?: (error: Error) => void;
}

/** A Redis connection that reports an outage once instead of once per reconnect attempt. */
export function connectRedis(options: RedisConnectionOptions): RedisClient {
  return watched(open(options, false), options.onConnectionLost);
}

/**
 * A connection for SSUBSCRIBE (the live stage). On a cluster, ioredis keeps one subscriber
 * connection per primary and moves a channel's subscription when its slot's primary changes.
 */
export function subscriberConnection(options: RedisConnectionOptions): RedisClient {
  return watched(open(options, true), options.onConnectionLost);
}

function open(options: RedisConnectionOptions, subscriber: boolean): RedisClient {
  const nodes = options.clusterNodes ?? [];
  if (nodes.length === 0) return new Redis(options.url, { maxRetriesPerRequest: 3 });
  return new Cluster([...nodes], {
    shardedSubscribers: subscriber,
    // A failover takes the cluster a few seconds (cluster-node-timeout): commands wait for the
    // new slot map instead of failing at once; a batch that fails anyway is delivered again.
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 500,
    slotsRefreshInterval: 2000,
    redisOptions: { maxRetriesPerRequest: 3 },
  });
}

function watched(redis: RedisClient, onConnectionLost: ((error: Error) => void) | undefined): RedisClient {
  let told = false;
  redis.on('error', (error: Error) => {
    if (told) return;
    told = true;
    onConnectionLost?.(error);
  });
  redis.on('ready', () => {
    told = false;
  });
  return redis;
}

/** Is this a Redis Cluster client? (SCAN and INFO must then be asked of every primary.) */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/** The connections that hold data: the single Redis, or each primary of the cluster. */
export async function dataNodes(redis: RedisClient): Promise<Redis[]> {
  if (!isCluster(redis)) return [redis];
  // A client that has not loaded the slot map yet knows no primary: asked at once, a new client
  // would scan or flush nothing. A command waits for the map (ioredis queues it until ready).
  if (redis.status !== 'ready') await redis.ping();
  return redis.nodes('master');
}

/**
 * Every key matching `pattern`, a page at a time. `pattern` starts with a hash tag, so on a
 * cluster only the primary that owns the tag's slot answers with keys.
 */
export async function* scanKeys(redis: RedisClient, pattern: string, count = 1000): AsyncIterable<string[]> {
  for (const node of await dataNodes(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (found.length > 0) yield found;
    } while (cursor !== '0');
  }
}
