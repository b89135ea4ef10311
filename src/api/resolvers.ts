import { GraphQLError } from 'graphql';
import type { CompiledModel } from '../projection/index.js';
import type { ModelSnapshot } from '../store/index.js';
import type { ApiContext } from './context.js';
import type { Resolvers, StatusTotal } from './generated/resolvers-types.js';
import { measureText } from './measure-values.js';
import { BigIntScalar, DateTimeScalar, DecimalScalar } from './scalars.js';

const ORDERS_BY_STATUS = 'orders_by_status';

function isoFromMs(ms: string | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString();
}

function requireModel(context: ApiContext, name: string): CompiledModel {
  const model = context.models.get(name);
  if (!model) {
    throw new GraphQLError(`read model "${name}" is not defined (no readmodels/*.yaml names it)`, {
      extensions: { code: 'READ_MODEL_UNDEFINED' },
    });
  }
  return model;
}

function measureOf(model: CompiledModel, name: string) {
  const measure = model.definition.measures.find((m) => m.name === name);
  if (!measure) throw new GraphQLError(`read model "${model.name}" has no measure "${name}"`);
  return measure;
}

/** One entry per status of the orders_by_status model, sorted by status. */
function statusTotals(model: CompiledModel, snapshot: ModelSnapshot): StatusTotal[] {
  const groups = snapshot.buckets[0]?.groups ?? [];
  const [orders, revenue, average] = ['orders', 'revenue', 'average_amount'].map((name) =>
    measureOf(model, name),
  );
  return groups
    .map((group) => ({
      status: group.group[0] ?? '',
      count: (orders && measureText(orders, group)) ?? '0',
      revenue: (revenue && measureText(revenue, group)) ?? '0',
      averageAmount: (average && measureText(average, group)) ?? '0',
    }))
    .sort((a, b) => (a.status < b.status ? -1 : a.status > b.status ? 1 : 0));
}

export const resolvers: Resolvers = {
  Decimal: DecimalScalar,
  BigInt: BigIntScalar,
  DateTime: DateTimeScalar,
  Query: {
    ordersByStatus: (_parent, _args, context) =>
      context.store.readSnapshot(requireModel(context, ORDERS_BY_STATUS)),
    heldChanges: async (_parent, _args, context) =>
      (await context.guard?.listHeld())?.map((change) => ({
        id: change.id,
        kind: change.kind === 'truncate' ? 'TRUNCATE' : 'DELETES',
        table: change.table,
        rows: change.rows,
        heldSince: new Date(change.heldAtMs).toISOString(),
      })) ?? [],
  },
  Subscription: {
    ordersByStatus: {
      subscribe: (_parent, _args, context) => {
        requireModel(context, ORDERS_BY_STATUS);
        return context.live.watch(ORDERS_BY_STATUS);
      },
      resolve: (snapshot: ModelSnapshot) => snapshot,
    },
  },
  OrdersByStatus: {
    groups: (snapshot, _args, context) => statusTotals(requireModel(context, ORDERS_BY_STATUS), snapshot),
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
