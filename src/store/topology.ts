import { isCluster, type RedisClient } from './connection.ts';

export interface RedisNodeState {
  /** host:port */
  readonly address: string;
  readonly role: 'primary' | 'replica';
  /** A replica's primary (host:port), when known. */
  readonly primary: string | null;
  /** `failed`: the cluster agrees it is down; `suspected`: some node cannot reach it. */
  readonly state: 'ok' | 'suspected' | 'failed';
  /** Hash slots served (primaries). */
  readonly slots: number;
}

export interface RedisTopology {
  readonly mode: 'single' | 'cluster';
  /** CLUSTER INFO's cluster_state (null for a single Redis). */
  readonly clusterState: string | null;
  readonly nodes: readonly RedisNodeState[];
}

/** Slots named in CLUSTER NODES' slot fields ("0-5460", "5461", "[...->-...]" while migrating). */
function countSlots(fields: readonly string[]): number {
  let slots = 0;
  for (const field of fields) {
    if (field.startsWith('[')) continue;
    const [from, to] = field.split('-').map(Number);
    if (from !== undefined && !Number.isNaN(from)) slots += (to ?? from) - from + 1;
  }
  return slots;
}

/**
 * The nodes of CLUSTER NODES' reply (one line per node: id, address@bus-port[,hostname], flags,
 * primary id or "-", ping sent, pong received, config epoch, link state, slots...).
 */
export function parseClusterNodes(text: string): RedisNodeState[] {
  const lines = text
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((fields) => fields.length >= 8);
  const addressOf = new Map(lines.map((fields) => [fields[0], (fields[1] ?? '').split(/[@,]/)[0] ?? '']));
  return lines
    .filter((fields) => !(fields[2] ?? '').includes('noaddr'))
    .map((fields) => {
      const flags = (fields[2] ?? '').split(',');
      const replica = flags.includes('slave');
      return {
        address: addressOf.get(fields[0]) ?? '',
        role: replica ? 'replica' : 'primary',
        primary: replica ? (addressOf.get(fields[3]) ?? null) : null,
        state: flags.includes('fail') ? 'failed' : flags.includes('fail?') ? 'suspected' : 'ok',
        slots: replica ? 0 : countSlots(fields.slice(8)),
      } satisfies RedisNodeState;
    })
    .sort((a, b) => a.address.localeCompare(b.address, undefined, { numeric: true }));
}

/** How the Redis behind `redis` is laid out now, as a reachable node of it sees it. */
export async function readTopology(redis: RedisClient): Promise<RedisTopology> {
  if (!isCluster(redis)) {
    const { host, port } = redis.options;
    return {
      mode: 'single',
      clusterState: null,
      nodes: [
        {
          address: `${host ?? '127.0.0.1'}:${port ?? 6379}`,
          role: 'primary',
          primary: null,
          state: 'ok',
          slots: 0,
        },
      ],
    };
  }
  const [nodes, info] = await Promise.all([redis.cluster('NODES'), redis.cluster('INFO')]);
  const text = (reply: unknown) => (typeof reply === 'string' ? reply : String(reply));
  return {
    mode: 'cluster',
    clusterState: /^cluster_state:(\w+)/m.exec(text(info))?.[1] ?? null,
    nodes: parseClusterNodes(text(nodes)),
  };
}

/** What an operator should know of the layout: failed nodes, primaries without a replica. */
export function topologyTrouble(topology: RedisTopology): string[] {
  if (topology.mode === 'single') return [];
  const trouble: string[] = [];
  if (topology.clusterState !== 'ok')
    trouble.push(`Redis Cluster state is ${topology.clusterState ?? 'unknown'}: some slots are not served`);
  for (const node of topology.nodes) {
    if (node.state === 'failed')
      trouble.push(
        `Redis node ${node.address} (${node.role}) has failed: restart it; it rejoins as a replica`,
      );
  }
  for (const primary of topology.nodes.filter(
    (n) => n.role === 'primary' && n.state === 'ok' && n.slots > 0,
  )) {
    const replicas = topology.nodes.filter(
      (n) => n.role === 'replica' && n.primary === primary.address && n.state === 'ok',
    );
    if (replicas.length === 0)
      trouble.push(
        `Redis primary ${primary.address} has no working replica: losing it would lose its slots' newest writes (Readout replays them) and stop the cluster until it is back`,
      );
  }
  return trouble;
}
