import { formatUnscaled } from '../decode/index.js';
import { ordersByStatus } from '../projection/index.js';
import type { ModelSnapshot } from '../store/index.js';
import type { Resolvers, StatusTotal } from './generated/resolvers-types.js';
import { BigIntScalar, DateTimeScalar, DecimalScalar } from './scalars.js';

function isoFromMs(ms: string | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString();
}

/** Turns the model's "measure:group" fields into one entry per status, sorted by status. */
export function statusTotals(snapshot: ModelSnapshot): StatusTotal[] {
  const revenueScale = ordersByStatus.measures.revenue?.scale ?? 0;
  const statuses = new Set<string>();
  for (const field of Object.keys(snapshot.aggregate)) {
    const separator = field.indexOf(':');
    if (separator > 0) statuses.add(field.slice(separator + 1));
  }
  return [...statuses].sort().map((status) => ({
    status,
    count: snapshot.aggregate[`count:${status}`] ?? '0',
    revenue: formatUnscaled(BigInt(snapshot.aggregate[`revenue:${status}`] ?? '0'), revenueScale),
  }));
}

export const resolvers: Resolvers = {
  Decimal: DecimalScalar,
  BigInt: BigIntScalar,
  DateTime: DateTimeScalar,
  Query: {
    ordersByStatus: (_parent, _args, context) => context.store.readSnapshot(ordersByStatus.name),
  },
  Subscription: {
    ordersByStatus: {
      subscribe: (_parent, _args, context) => context.live.watch(ordersByStatus.name),
      resolve: (snapshot: ModelSnapshot) => snapshot,
    },
  },
  OrdersByStatus: {
    groups: (snapshot) => statusTotals(snapshot),
    freshness: (snapshot) => snapshot,
  },
  Freshness: {
    version: (snapshot) => snapshot.version.toString(),
    sourceCommitTime: (snapshot) => isoFromMs(snapshot.source.commitTimeMs),
    sourceLsn: (snapshot) => snapshot.source.lsn,
    sourceTxId: (snapshot) => snapshot.source.txId,
    appliedAt: (snapshot) => isoFromMs(snapshot.appliedAtMs),
    lagMs: (snapshot, _args, context) =>
      snapshot.source.commitTimeMs === null
        ? null
        : String(Math.max(0, context.now() - Number(snapshot.source.commitTimeMs))),
  },
};
