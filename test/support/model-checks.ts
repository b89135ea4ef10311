import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { expect } from 'vitest';
import { decimalFromString, formatUnscaled } from '../../src/decode/index.ts';
import { loadDefinitions, loadSources } from '../../src/definitions/index.ts';
import { compileModel, type CompiledModel } from '../../src/projection/index.ts';
import { Cluster, Redis } from 'ioredis';
import {
  createRedisStore,
  modelKeys,
  type ReadModelStore,
  type RedisClient,
  type RedisNode,
} from '../../src/store/index.ts';
import { markerTxId, waitApplied } from './caught-up.ts';
import { installShippedAudit, shippedAudit } from './oracle-audit.ts';
import { snapshotView } from './read-model-views.ts';
import { sqlOracles, type OracleRelations } from './sql-oracles.ts';
import type { StreamMoves } from './stream-oracle.ts';

export { markerTxId };

const readModelsDir = new URL('../../readmodels/', import.meta.url).pathname;
const sources = new Map(loadSources(readModelsDir).map((source) => [source.table, source]));
export const demoModels: CompiledModel[] = loadDefinitions(readModelsDir).map(({ definition }) =>
  compileModel(definition, sources.get(definition.source)),
);

/**
 * Where rows removed by archival deletes are kept, per table: the archiver's archive tables, and
 * the tables a test copies rows into when it deletes them archivally by other means.
 */
const KEPT_ELSEWHERE = {
  orders: ['orders_archive', 'test_kept_orders'],
  order_items: ['order_items_archive', 'test_kept_order_items'],
} as const;

/** What a model's oracle reads: live rows, plus (under "archive: keep") the rows archived so far. */
export async function oracleRelations(db: pg.ClientBase, model: CompiledModel): Promise<OracleRelations> {
  const relation = async (table: keyof typeof KEPT_ELSEWHERE): Promise<string> => {
    if (model.archive !== 'keep') return table;
    const parts = [table as string];
    for (const kept of KEPT_ELSEWHERE[table]) {
      const { rows } = await db.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
        kept,
      ]);
      if (rows[0]?.exists) parts.push(kept);
    }
    return parts.length === 1
      ? table
      : `(${parts.map((part) => `SELECT * FROM ${part}`).join(' UNION ALL ')})`;
  };
  return { orders: await relation('orders'), order_items: await relation('order_items') };
}

/** Waits until every demo model has applied the transaction `txId` (see caught-up.ts). */
export async function waitAllApplied(
  store: ReadModelStore,
  txId: bigint,
  timeoutMs = 120_000,
): Promise<void> {
  await waitApplied(store, demoModels, txId, timeoutMs);
}

/**
 * Every state model against its GROUP BY oracle, exactly: over the live rows, and for models that
 * keep archived rows ("archive: keep"), over live ∪ archived rows.
 */
export async function expectModelsEqualSql(store: ReadModelStore, db: pg.ClientBase): Promise<void> {
  for (const model of demoModels) {
    const oracle = sqlOracles[model.name];
    if (!oracle) continue;
    expect({ model: model.name, view: snapshotView(model, await store.readSnapshot(model)) }).toEqual({
      model: model.name,
      view: await oracle(db, await oracleRelations(db, model)),
    });
  }
}

export interface FlowMark {
  readonly projected: { count: bigint; amount: bigint };
  readonly audited: { count: bigint; amount: string };
}

/** The shipped flow as projected, per minute bucket (to find a move a projection missed). */
export async function shippedByMinute(store: ReadModelStore): Promise<Record<string, string>> {
  const model = demoModels.find((m) => m.name === 'orders_shipped_per_minute');
  if (!model) throw new Error('orders_shipped_per_minute is not defined');
  const minutes: Record<string, string> = {};
  for (const bucket of (await store.readSnapshot(model)).buckets) {
    const count = bucket.groups.reduce((sum, group) => sum + (group.counters.shipped ?? 0n), 0n);
    minutes[bucket.label ?? '-'] = count.toString();
  }
  return minutes;
}

/** The shipped flow as projected and as audited, to compare what happened between two marks. */
export async function markShippedFlow(store: ReadModelStore, db: pg.ClientBase): Promise<FlowMark> {
  const model = demoModels.find((m) => m.name === 'orders_shipped_per_minute');
  if (!model) throw new Error('orders_shipped_per_minute is not defined');
  let count = 0n;
  let amount = 0n;
  for (const bucket of (await store.readSnapshot(model)).buckets) {
    for (const group of bucket.groups) {
      count += group.counters.shipped ?? 0n;
      amount += group.counters.shipped_amount ?? 0n;
    }
  }
  return { projected: { count, amount }, audited: await shippedAudit(db) };
}

function cents(text: string): bigint {
  const value = decimalFromString(text);
  if (!value) throw new Error(`not a decimal: ${text}`);
  return (value.unscaled * 100n) / 10n ** BigInt(value.scale);
}

/** Each move into "shipped" between the marks was counted exactly once, with its amount. */
export function expectFlowMatchesAudit(before: FlowMark, after: FlowMark): void {
  const audited = after.audited.count - before.audited.count;
  expect(audited).toBeGreaterThan(0n);
  expect(after.projected.count - before.projected.count).toBe(audited);
  expect(formatUnscaled(after.projected.amount - before.projected.amount, 2)).toBe(
    formatUnscaled(cents(after.audited.amount) - cents(before.audited.amount), 2),
  );
}

/** What the flow check compares: two marks, the projection per minute at the first, the stream. */
export interface FlowRun {
  readonly keyPrefix: string;
  readonly before: FlowMark;
  readonly after: FlowMark;
  readonly minutesBefore: Record<string, string>;
  readonly streamed: StreamMoves;
  readonly startLsn: bigint;
}

/**
 * The minutes whose projected moves differ from the stream's, each with its moves and the flow
 * model's stored row for them ("position" alone: the row was deleted since; a delete that
 * overtook the move it followed made the move look like a duplicate).
 */
function minutesThatDiffer(
  run: FlowRun,
  minutesAfter: Record<string, string>,
  rows: Record<string, string>,
): unknown[] {
  const minuteOf = (label: string) => new Date(label).getTime();
  const projected = new Map<number, bigint>();
  for (const [label, count] of Object.entries(minutesAfter))
    projected.set(minuteOf(label), BigInt(count) - BigInt(run.minutesBefore[label] ?? '0'));
  const streamed = new Map<number, StreamMoves['moves'][number][]>();
  for (const move of run.streamed.moves) {
    const minute = minuteOf(move.commitMinute);
    streamed.set(minute, [...(streamed.get(minute) ?? []), move]);
  }
  return [...new Set([...projected.keys(), ...streamed.keys()])]
    .sort((a, b) => a - b)
    .filter((minute) => (projected.get(minute) ?? 0n) !== BigInt(streamed.get(minute)?.length ?? 0))
    .map((minute) => ({
      minute: new Date(minute).toISOString(),
      projected: (projected.get(minute) ?? 0n).toString(),
      streamed: streamed.get(minute)?.length ?? 0,
      moves: (streamed.get(minute) ?? []).map((move) => ({ ...move, stored: rows[move.rowKey] ?? null })),
    }));
}

/**
 * Every move into "shipped" the topic holds was projected once, between the marks. On a
 * difference, `test-artifacts/<prefix>-flow-diff.json` says where to look: the projection per
 * minute against the stream's moves, and the flow model's rows, offsets and meta in Redis.
 */
export async function expectFlowMatchesStream(store: ReadModelStore, run: FlowRun): Promise<void> {
  const { keyPrefix, before, after, streamed } = run;
  const projected = {
    count: after.projected.count - before.projected.count,
    cents: after.projected.amount - before.projected.amount,
  };
  if (projected.count !== streamed.count || projected.cents !== streamed.amountCents) {
    const keys = modelKeys(keyPrefix, { name: 'orders_shipped_per_minute', table: 'public.orders' });
    const redis = stackRedisClient();
    const [rows, offsets, meta] = await Promise.all([
      redis.hgetall(keys.rows),
      redis.hgetall(keys.offsets),
      redis.hgetall(keys.meta),
    ]);
    redis.disconnect();
    const minutesAfter = await shippedByMinute(store);
    const diff = {
      byMinute: minutesThatDiffer(run, minutesAfter, rows),
      ...run,
      minutesAfter,
      shippedModel: { rows, offsets, meta },
    };
    writeFileSync(
      `test-artifacts/${keyPrefix}-flow-diff.json`,
      JSON.stringify(
        diff,
        (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
        2,
      ),
    );
  }
  expect(projected).toEqual({ count: streamed.count, cents: streamed.amountCents });
}

/** The e2e connections to the stack started by `npm test`: PostgreSQL (with the audit) and the store. */
export async function connectToStack(keyPrefix: string): Promise<{ db: pg.Client; store: ReadModelStore }> {
  const pgUrl = process.env.READOUT_PG_URL;
  if (!pgUrl) throw new Error('READOUT_PG_URL is not set: run the e2e tests with `npm test`');
  const db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  await installShippedAudit(db);
  return { db, store: createRedisStore({ ...stackRedisOptions(), keyPrefix }) };
}

/** The stack's Redis as the test runner's environment names it: one node, or a cluster's seeds. */
export function stackRedisOptions(): { url: string; clusterNodes: RedisNode[] } {
  const url = process.env.READOUT_REDIS_URL;
  if (!url) throw new Error('READOUT_REDIS_URL is not set: run the e2e tests with `npm test`');
  const clusterNodes = (process.env.READOUT_REDIS_CLUSTER_NODES ?? '')
    .split(',')
    .filter((node) => node !== '')
    .map((node) => ({ host: node.split(':')[0] ?? '', port: Number(node.split(':')[1]) }));
  return { url, clusterNodes };
}

/** A plain client of the stack's Redis (a Cluster client when the stack runs one). */
export function stackRedisClient(): RedisClient {
  const { url, clusterNodes } = stackRedisOptions();
  return clusterNodes.length > 0 ? new Cluster(clusterNodes) : new Redis(url);
}
