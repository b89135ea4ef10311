import { describe, expect, it } from 'vitest';
import { decodeRecord, isRowEvent, type RowEvent } from '../../src/decode/index.ts';
import { readModelDefinition } from '../../src/definitions/index.ts';
import { ErrorCode } from '../../src/errors/index.ts';
import { compileModel, foldLane, type CompiledModel } from '../../src/projection/index.ts';
import { guardKeys, heldChannel, modelKeys, tableLaneKeys, transactionField } from '../../src/store/index.ts';
import {
  APPLY_LANE_REPLY_KINDS,
  decodeApplyLane,
  runApplyLane,
  type ApplyLaneOutcome,
} from '../../src/store/scripts/apply-lane-script.ts';
import {
  decodeGenerations,
  GENERATIONS_REPLY_KINDS,
  runGenerations,
  type GenerationsReply,
} from '../../src/store/scripts/generations-script.ts';
import {
  decodeGuard,
  GUARD_REPLY_KINDS,
  runGuard,
  type GuardReply,
} from '../../src/store/scripts/guard-script.ts';
import {
  decodePositions,
  POSITIONS_REPLY_KINDS,
  runPositions,
  type PositionsReply,
  type PositionsTarget,
} from '../../src/store/scripts/positions-script.ts';
import {
  decodeReadModel,
  READ_MODEL_REPLY_KINDS,
  runReadModel,
} from '../../src/store/scripts/read-model-script.ts';
import { decodeLanes, LANES_REPLY_KINDS, runLanes } from '../../src/store/scripts/lanes-script.ts';
import { capturedOrder } from '../support/fixtures.ts';
import { useRedisServer } from '../support/redis-server.ts';

/**
 * The TypeScript ↔ Lua protocol (src/store/scripts/): every script, through its codec, on a real
 * redis-server, made to give every kind of reply its codec knows, each decoded to what it means.
 * A codec's list of kinds is the test's checklist: a kind added to a script without a case here
 * fails the coverage check at the end of its block. And a reply no codec knows is an error.
 */

const server = useRedisServer();
let run = 0;

const prefix = () => `protocol${(run += 1)}`;

/** A model as keys know it. */
const ORDERS = { name: 'orders', table: 'public.orders' };

/** Collects the kinds a block saw, to compare with its codec's list. */
function kindsSeen(): { see<T extends { kind: string }>(reply: T): T; readonly kinds: Set<string> } {
  const kinds = new Set<string>();
  return {
    kinds,
    see(reply) {
      kinds.add(reply.kind);
      return reply;
    },
  };
}

describe('positions.lua', () => {
  it('answers ok, reached and behind', async () => {
    const seen = kindsSeen();
    const keys = modelKeys(prefix(), ORDERS);
    const reader: PositionsTarget = {
      name: 'orders',
      meta: keys.meta,
      offsets: keys.offsets,
      channel: keys.channel,
    };
    const call = async (request: Parameters<typeof runPositions>[2]): Promise<PositionsReply> =>
      seen.see(await runPositions(server.client, reader, request));
    expect(await call({ op: 'advance', partition: 't/0', next: '10', required: null })).toEqual({
      kind: 'ok',
    });
    expect(await call({ op: 'catch-up', targets: new Map([['t/0', '20']]) })).toEqual({ kind: 'ok' });
    expect(await call({ op: 'advance', partition: 't/0', next: '15', required: '10' })).toEqual({
      kind: 'ok',
    });
    expect(await call({ op: 'advance', partition: 't/0', next: '20', required: '15' })).toEqual({
      kind: 'reached',
    });
    expect(await call({ op: 'advance', partition: 't/0', next: '40', required: '30' })).toEqual({
      kind: 'behind',
      stood: '20',
    });
    expect(await call({ op: 'read', partition: 't/0', next: '40', required: '30' })).toEqual({
      kind: 'behind',
      stood: '20',
    });
    expect(await call({ op: 'read', partition: 't/0', next: '30', required: '20' })).toEqual({ kind: 'ok' });
    expect(await call({ op: 'backfill', why: 'added', targets: new Map() })).toEqual({ kind: 'ok' });
    expect(await server.client.hget(keys.offsets, 't/0')).toBe('30');
    expect([...seen.kinds].sort()).toEqual([...POSITIONS_REPLY_KINDS].sort());
  });
});

describe('generations.lua', () => {
  it('answers ok, started, moved, not-at, switched, not-ready and stale, and refuses a move outside the table', async () => {
    const seen = kindsSeen();
    const p = prefix();
    const keys = (generation = 0) => modelKeys(p, ORDERS, generation);
    const call = async (request: Parameters<typeof runGenerations>[2]): Promise<GenerationsReply> =>
      seen.see(await runGenerations(server.client, keys().generations, request));
    const switchTo = (generation: number, seen: number) =>
      call({
        op: 'switch',
        generation,
        seen,
        currentMeta: keys(seen).meta,
        newMeta: keys(generation).meta,
        channel: keys().channel,
        model: 'orders',
      });
    expect(await call({ op: 'adopt', fingerprint: 'f0' })).toEqual({ kind: 'ok' });
    expect(await call({ op: 'start', fingerprint: 'f1', nowMs: 1 })).toEqual({
      kind: 'started',
      generation: 1,
      abandoned: null,
    });
    expect(await call({ op: 'start', fingerprint: 'f2', nowMs: 2 })).toEqual({
      kind: 'started',
      generation: 2,
      abandoned: 1,
    });
    expect(await switchTo(2, 0)).toEqual({ kind: 'not-ready' });
    expect(await call({ op: 'phase', generation: 2, from: 'handoff', to: 'dual' })).toEqual({
      kind: 'not-at',
    });
    for (const [from, to] of [
      ['replay', 'handoff'],
      ['handoff', 'dual'],
      ['dual', 'ready'],
    ] as const)
      expect(await call({ op: 'phase', generation: 2, from, to })).toEqual({ kind: 'moved' });
    await expect(call({ op: 'phase', generation: 2, from: 'replay', to: 'ready' })).rejects.toThrow(
      /no rebuild moves from replay to ready/,
    );
    await server.client.hset(keys(0).meta, 'version', '500');
    expect(await switchTo(2, 1)).toEqual({ kind: 'stale' }); // the caller saw another current one
    expect(await switchTo(2, 0)).toEqual({ kind: 'switched', old: 0 });
    expect(await server.client.hget(keys(2).meta, 'version')).toBe('501');
    expect(await call({ op: 'abandon', generation: 3 })).toEqual({ kind: 'ok' });
    expect([...seen.kinds].sort()).toEqual([...GENERATIONS_REPLY_KINDS].sort());
  });
});

describe('read-model.lua', () => {
  it('answers a snapshot of the current generation', async () => {
    const p = prefix();
    const keys = modelKeys(p, ORDERS, 0);
    await server.client.hset(keys.meta, 'version', '7');
    await server.client.hset(keys.counters(null), '_rows|["paid"]', '2');
    const reply = await runReadModel(server.client, p, ORDERS, {
      bucketed: false,
      from: '-inf',
      to: '+inf',
      extremes: [],
      distincts: [],
      ranking: '',
      limit: 0,
    });
    expect(READ_MODEL_REPLY_KINDS).toEqual([reply.kind]);
    const state = JSON.parse(reply.json) as { generation: string; buckets: Array<{ counters: string[] }> };
    expect(state.generation).toBe('0');
    expect(state.buckets[0]?.counters).toEqual(['_rows|["paid"]', '2']);
  });
});

const laneModels: CompiledModel[] = [
  { name: 'protocol_revenue', measures: [{ name: 'revenue', type: 'sum', column: 'amount', scale: 2 }] },
  { name: 'protocol_orders', measures: [{ name: 'orders', type: 'count' }] },
].map((definition) =>
  compileModel(
    readModelDefinition.parse({ source: 'public.orders', dimensions: [{ column: 'status' }], ...definition }),
  ),
);

function orderEvent(id: number, offset: number): RowEvent {
  const event = decodeRecord(capturedOrder(id, offset), 'auto');
  if (!isRowEvent(event)) throw new Error('fixture');
  return event;
}

describe('apply-lane.lua', () => {
  it('answers applied, conflict, moved, behind, unfollowed, unread, refused and stopped', async () => {
    const seen = kindsSeen();
    const p = prefix();
    const [revenue, orders] = laneModels as [CompiledModel, CompiledModel];
    const keys = (model: CompiledModel, generation = 0) => modelKeys(p, model, generation);
    // The lane's rows live apart from either model's keys (a standalone Redis has no slots).
    const rows = `{${p}:lane}:rows`;
    const offset = (first: string, next: string) => ({ topic: 't', partition: 0, first, next });
    const apply = async (
      id: number,
      options: {
        generation?: number;
        offset?: (ReturnType<typeof offset> & { follows?: boolean }) | null;
        readPast?: Map<string, string>;
      } = {},
    ): Promise<ApplyLaneOutcome> => {
      const members = laneModels.map((model, i) => ({
        ...model,
        ...(i === 1 && options.generation !== undefined ? { generation: options.generation } : {}),
      }));
      const fold = foldLane(members, [orderEvent(id, id)], { rows: new Map(), maxCommitTimeMs: new Map() });
      return seen.see(
        await runApplyLane(server.client, {
          rows,
          members: members.map((model) => ({
            model,
            keys: keys(model, model.generation ?? 0),
            fold: fold.members.get(model.name) ?? assertNever(),
          })),
          fold,
          offset: options.offset === undefined ? offset('0', '1') : options.offset,
          ...(options.readPast ? { readPast: options.readPast } : {}),
        }),
      );
    };

    const first = await apply(1);
    expect(first.kind).toBe('applied');
    if (first.kind !== 'applied') return;
    expect([...first.versions.keys()]).toEqual([revenue.name, orders.name]);
    expect(await server.client.hget(keys(orders).counters(null), 'orders|["paid"]')).toBe('1');
    expect(await server.client.hget(keys(revenue).counters(null), 'revenue|["paid"]')).toBe('1250');
    expect(await server.client.hlen(rows)).toBe(1);
    // The same fold again: row 1 is no longer where the fold read it (nowhere).
    expect(await apply(1)).toEqual({ kind: 'conflict', rowKey: 'id=1' });
    expect(await apply(2, { generation: 4 })).toEqual({ kind: 'moved', model: orders.name, current: 0 });
    expect(await apply(2, { offset: offset('5', '6') })).toEqual({
      kind: 'behind',
      model: revenue.name,
      stood: '1',
    });
    // A write following another of its batch that was not applied: nothing of it is either.
    expect(await apply(2, { offset: { ...offset('5', '6'), follows: true } })).toEqual({
      kind: 'unfollowed',
      model: revenue.name,
    });
    expect(
      await apply(2, { offset: { topic: 't', partition: 9, first: '0', next: '1', follows: true } }),
    ).toEqual({
      kind: 'unfollowed',
      model: revenue.name,
    });
    expect(await server.client.hlen(rows)).toBe(1);
    expect(await apply(2, { offset: null, readPast: new Map([['t/0', '3']]) })).toEqual({
      kind: 'unread',
      model: revenue.name,
      partition: 't/0',
      stood: '1',
    });
    expect(await apply(2, { offset: null, readPast: new Map([['t/9', '3']]) })).toEqual({
      kind: 'unread',
      model: revenue.name,
      partition: 't/9',
      stood: null,
    });
    // Refused for one member's key: nothing written for either.
    await server.client.set(keys(orders).counters(null), 'not a hash');
    const refused = await apply(2, { offset: offset('1', '2') });
    expect(refused.kind).toBe('refused');
    expect(await server.client.hget(keys(revenue).counters(null), 'revenue|["paid"]')).toBe('1250');
    expect(await server.client.hlen(rows)).toBe(1);
    await server.client.del(keys(orders).counters(null));
    const stop = { code: 'SOURCE_SCHEMA_CHANGED', reason: 'amount left', at: 't/0/2' };
    await server.client.hset(keys(orders).meta, 'stopped', JSON.stringify(stop));
    expect(await apply(2, { offset: offset('1', '2') })).toEqual({
      kind: 'stopped',
      model: orders.name,
      stop,
    });
    expect([...seen.kinds].sort()).toEqual([...APPLY_LANE_REPLY_KINDS].sort());
  });
});

function assertNever(): never {
  throw new Error('a member without its fold');
}

describe('lanes.lua', () => {
  it('answers the lanes: the main one while it remembers no row, one of its own after', async () => {
    const lanes = tableLaneKeys(prefix(), 'public.orders');
    const ask = (...generations: Array<[model: string, generation: number]>) =>
      runLanes(server.client, {
        registry: lanes.registry,
        mainRows: lanes.rows('main'),
        main: 'main',
        generations: generations.map(([model, generation]) => ({
          field: `${model}#${generation}`,
          model,
          own: `${model}#${generation}`,
        })),
      });
    expect(await ask(['a', 0], ['b', 0], ['a', 1])).toEqual({
      kind: 'lanes',
      lanes: ['main', 'main', 'a#1'],
    });
    await server.client.hset(lanes.rows('main'), 'id=1', 'remembered');
    const reply = await ask(['c', 0], ['b', 0]);
    expect(reply).toEqual({ kind: 'lanes', lanes: ['c#0', 'main'] });
    expect(LANES_REPLY_KINDS).toEqual([reply.kind]);
  });
});

describe('guard.lua', () => {
  it('answers every admission, and released deletes at an END', async () => {
    const seen = kindsSeen();
    const p = prefix();
    const keys = guardKeys(p);
    const call = async (request: Parameters<typeof runGuard>[3]): Promise<GuardReply> =>
      seen.see(await runGuard(server.client, keys, heldChannel(p), request));
    const admissions = new Set<string>();
    const admit = async (txId: string, threshold: number, ids: string[]) => {
      const reply = await call({
        op: 'admit',
        table: 'public.orders',
        txId,
        threshold,
        nowMs: 1,
        entries: ids.map((id) => ({ id, entry: `entry ${id}` })),
      });
      if (reply.kind === 'admission') admissions.add(reply.admission);
      return reply;
    };
    expect(await admit('1', 3, ['a'])).toEqual({ kind: 'admission', admission: 'pending' });
    expect(
      await call({
        op: 'end',
        txId: '1',
        counts: { 'public.orders': 1 },
        thresholds: { '*': 3 },
        nowMs: 2,
        keepMs: 1000,
      }),
    ).toEqual({ kind: 'released', tables: [{ table: 'public.orders', entries: ['entry a'] }] });
    expect(await admit('1', 3, ['b'])).toEqual({ kind: 'admission', admission: 'apply' }); // its END said small
    expect(await admit('2', 2, ['c', 'd'])).toEqual({ kind: 'admission', admission: 'hold' });
    expect(await server.client.hlen(keys.heldRows('public.orders/tx/2'))).toBe(2);
    await server.client.hset(keys.decided, transactionField('public.orders', '3'), 'archive');
    expect(await admit('3', 2, ['e'])).toEqual({ kind: 'admission', admission: 'archive' });
    await server.client.hset(keys.decided, transactionField('public.orders', '4'), 'retract');
    expect(await admit('4', 2, ['f'])).toEqual({ kind: 'admission', admission: 'retract' });
    expect(
      await call({
        op: 'truncate',
        table: 'public.orders',
        id: 'public.orders/truncate/9',
        nowMs: 3,
        entry: { id: 'x', entry: 'entry x' },
      }),
    ).toEqual({ kind: 'admission', admission: 'hold' });
    expect([...seen.kinds].sort()).toEqual(['admission', 'released']);
    expect([...admissions, 'released'].sort()).toEqual([...GUARD_REPLY_KINDS].sort());
  });
});

describe('a reply no codec knows', () => {
  it('is a protocol error, never a guess', () => {
    const decoders = [
      (reply: unknown) => decodeLanes(reply, 1),
      decodePositions,
      decodeGenerations,
      decodeReadModel,
      (reply: unknown) => decodeApplyLane(reply, ['a']),
      decodeGuard,
    ];
    for (const decode of decoders) {
      for (const reply of [['no-such-kind'], 'ok', [], null, [{ nested: true }]]) {
        let caught: unknown;
        try {
          decode(reply);
        } catch (error) {
          caught = error;
        }
        expect(caught).toMatchObject({ code: ErrorCode.StoreProtocol, retriable: false });
      }
    }
    // A kind the codec knows, short of its fields.
    expect(() => decodeApplyLane(['behind', 'a'], ['a'])).toThrow(/apply-lane\.lua answered/);
    // Fewer versions than members.
    expect(() => decodeApplyLane(['applied', '1'], ['a', 'b'])).toThrow(/apply-lane\.lua answered/);
    expect(() => decodeGuard(['released', 'public.orders', '3', 'only one'])).toThrow(/guard\.lua answered/);
  });
});
