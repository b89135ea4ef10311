import type { HeldState } from '../live/index.ts';
import type { ModelSnapshot } from '../store/index.ts';
import { MAX_ROWS, QueryRejected, instantArgument, runAdHocQuery } from './ad-hoc-query.ts';
import type { ApiContext } from './context.ts';
import type { QueryAggregateArgs, Resolvers } from './generated/resolvers-types.ts';
import { readModelInfo } from './read-model-info.ts';
import { BigIntScalar, DateTimeScalar, DecimalScalar } from './scalars.ts';
import { EMPTY_SNAPSHOT, answer, requireModel, servable } from './serving.ts';

function isoFromMs(ms: string | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString();
}

function aggregate(context: ApiContext, snapshot: ModelSnapshot, args: QueryAggregateArgs) {
  const model = requireModel(context, args.readModel);
  return answer(() => {
    const limit = args.limit ?? 100;
    if (limit < 1 || limit > MAX_ROWS)
      throw new QueryRejected(`limit must be between 1 and ${MAX_ROWS}, got ${limit}`, 'limit');
    const result = runAdHocQuery(model.definition, snapshot, {
      where:
        args.where?.map((filter) => ({ dimension: filter.dimension, in: filter.in.map((v) => v ?? null) })) ??
        [],
      fromMs: instantArgument(args.from, 'from'),
      toMs: instantArgument(args.to, 'to'),
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

/** The resolvers of schema/readout.graphql (the typed fields' come from typed/typed-resolvers.ts). */
export const resolvers = {
  Decimal: DecimalScalar,
  BigInt: BigIntScalar,
  DateTime: DateTimeScalar,
  Query: {
    heldChanges: async (_parent, _args, context) => heldView(await context.held.current()),
    readModels: (_parent, _args, context) => [...context.models.values()].map(readModelInfo),
    aggregate: async (_parent, args, context) => {
      const model = requireModel(context, args.readModel);
      return aggregate(context, servable(model, await context.live.current(model.name)), args);
    },
  },
  Subscription: {
    heldChanges: {
      subscribe: (_parent, _args, context) => context.held.watch(),
      resolve: (state: HeldState) => heldView(state),
    },
    aggregate: {
      subscribe: (_parent, args, context) => {
        aggregate(context, EMPTY_SNAPSHOT, args); // refuses bad arguments before subscribing
        return context.live.watch(args.readModel);
      },
      resolve: (snapshot: ModelSnapshot, args: QueryAggregateArgs, context: ApiContext) =>
        aggregate(context, servable(requireModel(context, args.readModel), snapshot), args),
    },
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
