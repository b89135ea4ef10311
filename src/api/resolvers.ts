import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors/index.ts';
import type { HeldState } from '../live/index.ts';
import type { CompiledModel } from '../projection/index.ts';
import { emptySnapshot, type ModelSnapshot } from '../store/index.ts';
import { QueryRejected, runAdHocQuery } from './ad-hoc-query.ts';
import type { ApiContext } from './context.ts';
import {
  amountBandsView,
  openOrdersView,
  productSalesView,
  revenueByHourView,
  shippedPerMinuteView,
  topCustomersView,
} from './dashboard-views.ts';
import type { QueryAggregateArgs, Resolvers, StatusTotal } from './generated/resolvers-types.ts';
import { measureText } from './measure-values.ts';
import { readModelInfo } from './read-model-info.ts';
import { BigIntScalar, DateTimeScalar, DecimalScalar } from './scalars.ts';

/** The demo dashboard's read models (readmodels/*.yaml), by the typed field that serves each. */
const MODELS = {
  ordersByStatus: 'orders_by_status',
  revenueByHour: 'revenue_by_hour',
  topCustomers: 'revenue_by_customer',
  ordersShippedPerMinute: 'orders_shipped_per_minute',
  openOrders: 'open_orders',
  ordersByAmountBand: 'orders_by_amount_band',
  itemsByProduct: 'items_by_product',
} as const;

const MAX_AGGREGATE_ROWS = 1000;

/** A snapshot no change has reached: subscriptions check their arguments against it first. */
const EMPTY: ModelSnapshot = emptySnapshot('');

/**
 * A snapshot the API may answer from: a projector has written the model, and it is not replaying
 * what Redis lost. Otherwise the answer would be wrong numbers, so it is a precise error instead.
 */
function servable(model: CompiledModel, snapshot: ModelSnapshot): ModelSnapshot {
  if (snapshot.definition !== null && snapshot.definition !== model.fingerprint)
    throw new GraphQLError(
      `read model "${model.name}" was computed with another definition than ${model.name}.yaml's: it is not served until rebuilt (readout rebuild ${model.name})`,
      { extensions: { code: ErrorCode.ReadModelStale } },
    );
  if (snapshot.version === 0n)
    throw new GraphQLError(
      `read model "${snapshot.model}" has no data yet: no projector has filled it (is one running?)`,
      { extensions: { code: ErrorCode.ReadModelNotReady } },
    );
  if (snapshot.catchingUp)
    throw new GraphQLError(
      `read model "${snapshot.model}" is being rebuilt: Redis lost data and the projector is replaying it from Kafka`,
      { extensions: { code: ErrorCode.ReadModelNotReady } },
    );
  return snapshot;
}

function isoFromMs(ms: string | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString();
}

function requireModel(context: ApiContext, name: string): CompiledModel {
  const model = context.models.get(name);
  if (!model) {
    throw new GraphQLError(`read model "${name}" is not defined (no readmodels/*.yaml names it)`, {
      extensions: { code: ErrorCode.ReadModelUndefined },
    });
  }
  return model;
}

/** Runs a view; a rejected argument becomes a precise GraphQL error naming it. */
function answer<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof QueryRejected)
      throw new GraphQLError(error.message, {
        extensions: { code: ErrorCode.BadUserInput, argumentName: error.argument },
      });
    throw error;
  }
}

function instant(text: string | null | undefined, argument: string): number | null {
  if (text === null || text === undefined) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new QueryRejected(`${argument} must be an ISO-8601 instant, got "${text}"`, argument);
  return ms;
}

function aggregate(context: ApiContext, snapshot: ModelSnapshot, args: QueryAggregateArgs) {
  const model = requireModel(context, args.readModel);
  return answer(() => {
    const limit = args.limit ?? 100;
    if (limit < 1 || limit > MAX_AGGREGATE_ROWS)
      throw new QueryRejected(`limit must be between 1 and ${MAX_AGGREGATE_ROWS}, got ${limit}`, 'limit');
    const result = runAdHocQuery(model.definition, snapshot, {
      where:
        args.where?.map((filter) => ({ dimension: filter.dimension, in: filter.in.map((v) => v ?? null) })) ??
        [],
      fromMs: instant(args.from, 'from'),
      toMs: instant(args.to, 'to'),
      granularity: args.granularity ? (args.granularity.toLowerCase() as 'minute' | 'hour' | 'day') : null,
      timeZone: args.timeZone ?? null,
      groupBy: args.groupBy ?? null,
      measures: args.measures ?? null,
      orderBy:
        args.orderBy?.map((order) => ({ by: order.by, descending: order.direction === 'DESC' })) ?? null,
      limit,
    });
    return {
      readModel: model.name,
      totalRows: result.totalRows,
      rows: result.rows.map((row) => ({
        time: row.time && { start: new Date(row.time.startMs).toISOString(), local: row.time.label },
        dimensions: [...row.dimensions],
        measures: row.measures.map((m) => ({ ...m, type: m.type.toUpperCase() as Uppercase<typeof m.type> })),
      })),
      freshness: snapshot,
    };
  });
}

function heldView(state: HeldState) {
  return state.changes.map((change) => ({
    id: change.id,
    kind: change.kind === 'truncate' ? ('TRUNCATE' as const) : ('DELETES' as const),
    table: change.table,
    rows: change.rows,
    heldSince: new Date(change.heldAtMs).toISOString(),
  }));
}

/** One entry per status of the orders_by_status model, sorted by status. */
function statusTotals(model: CompiledModel, snapshot: ModelSnapshot): StatusTotal[] {
  const measure = (name: string) => {
    const found = model.definition.measures.find((m) => m.name === name);
    if (!found) throw new GraphQLError(`read model "${model.name}" has no measure "${name}"`);
    return found;
  };
  const [orders, revenue, average] = ['orders', 'revenue', 'average_amount'].map(measure);
  return (snapshot.buckets[0]?.groups ?? [])
    .map((group) => ({
      status: group.group[0] ?? '',
      count: (orders && measureText(orders, group)) ?? '0',
      revenue: (revenue && measureText(revenue, group)) ?? '0',
      averageAmount: (average && measureText(average, group)) ?? '0',
    }))
    .sort((a, b) => (a.status < b.status ? -1 : a.status > b.status ? 1 : 0));
}

/**
 * The answer of each dashboard field from one snapshot of its model; the same function serves the
 * query (reading the snapshot now) and the subscription (every pushed snapshot).
 */
type View<Args> = (model: CompiledModel, snapshot: ModelSnapshot, args: Args, context: ApiContext) => unknown;

const views = {
  ordersByStatus: (_model, snapshot) => snapshot,
  revenueByHour: (model, snapshot, args: { day?: string | null; timeZone?: string | null }, context) =>
    answer(() => revenueByHourView(model.definition, snapshot, args, context.now())),
  topCustomers: (model, snapshot, args: { limit?: number | null }) =>
    answer(() => topCustomersView(model.definition, snapshot, args.limit ?? 10)),
  ordersShippedPerMinute: (model, snapshot, args: { lastMinutes?: number | null }, context) =>
    answer(() => shippedPerMinuteView(model.definition, snapshot, args.lastMinutes ?? 60, context.now())),
  openOrders: (model, snapshot) => openOrdersView(model.definition, snapshot),
  ordersByAmountBand: (model, snapshot) => amountBandsView(model.definition, snapshot),
  itemsByProduct: (model, snapshot) => productSalesView(model.definition, snapshot),
} satisfies Record<keyof typeof MODELS, View<never>>;

type Field = keyof typeof MODELS;

function query<F extends Field>(field: F) {
  return async (_parent: unknown, args: Parameters<(typeof views)[F]>[2], context: ApiContext) => {
    const model = requireModel(context, MODELS[field]);
    const view = views[field] as View<typeof args>;
    return view(model, servable(model, await context.live.current(model.name)), args, context);
  };
}

function subscription<F extends Field>(field: F) {
  const view = views[field] as View<unknown>;
  return {
    subscribe: (_parent: unknown, args: unknown, context: ApiContext) => {
      const model = requireModel(context, MODELS[field]);
      view(model, EMPTY, args, context); // refuses bad arguments before subscribing
      return context.live.watch(model.name);
    },
    resolve: (snapshot: ModelSnapshot, args: unknown, context: ApiContext) => {
      const model = requireModel(context, MODELS[field]);
      return view(model, servable(model, snapshot), args, context);
    },
  };
}

const fields = Object.keys(MODELS) as Field[];

export const resolvers = {
  Decimal: DecimalScalar,
  BigInt: BigIntScalar,
  DateTime: DateTimeScalar,
  Query: {
    ...Object.fromEntries(fields.map((field) => [field, query(field)])),
    heldChanges: async (_parent, _args, context) => heldView(await context.held.current()),
    readModels: (_parent, _args, context) => [...context.models.values()].map(readModelInfo),
    aggregate: async (_parent, args, context) => {
      const model = requireModel(context, args.readModel);
      return aggregate(context, servable(model, await context.live.current(model.name)), args);
    },
  },
  Subscription: {
    ...Object.fromEntries(fields.map((field) => [field, subscription(field)])),
    heldChanges: {
      subscribe: (_parent, _args, context) => context.held.watch(),
      resolve: (state: HeldState) => heldView(state),
    },
    aggregate: {
      subscribe: (_parent, args, context) => {
        aggregate(context, EMPTY, args); // refuses bad arguments before subscribing
        return context.live.watch(args.readModel);
      },
      resolve: (snapshot: ModelSnapshot, args: QueryAggregateArgs, context: ApiContext) =>
        aggregate(context, servable(requireModel(context, args.readModel), snapshot), args),
    },
  },
  OrdersByStatus: {
    groups: (snapshot, _args, context) =>
      statusTotals(requireModel(context, MODELS.ordersByStatus), snapshot),
    freshness: (snapshot) => snapshot,
  },
  Freshness: {
    version: (snapshot) => snapshot.version.toString(),
    sourceCommitTime: (snapshot) => isoFromMs(snapshot.source.commitTimeMs),
    sourceLsn: (snapshot) => snapshot.source.lsn,
    sourceTxId: (snapshot) => snapshot.source.txId,
    appliedAt: (snapshot) => isoFromMs(snapshot.appliedAtMs),
    missedRecords: (snapshot) => snapshot.missedRecords,
    stopped: (snapshot) =>
      snapshot.stopped === null ? null : `${snapshot.stopped.code}: ${snapshot.stopped.reason}`,
    complete: (snapshot) => snapshot.missedRecords === 0 && snapshot.stopped === null,
    lagMs: (snapshot, _args, context) =>
      snapshot.source.commitTimeMs === null
        ? null
        : String(Math.max(0, context.now() - Number(snapshot.source.commitTimeMs))),
  },
} as Resolvers;
