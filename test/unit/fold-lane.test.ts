import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readModelDefinition } from '../../src/definitions/index.ts';
import { judgeEvents } from '../../src/pipeline/record-verdicts.ts';
import {
  RememberedRows,
  compileModel,
  foldBatch,
  foldLane,
  snapshotSweep,
  splitAtSnapshotEnds,
  type CompiledModel,
  type FoldEvent,
  type FoldResult,
  type LaneFold,
} from '../../src/projection/index.ts';
import { everyMeasureModel, hourAndBandModel } from '../support/demo-models.ts';
import { MemoryStore } from '../support/memory-store.ts';
import { buildHistory, deliver, delivery } from '../support/order-history.ts';

/**
 * One pass per table: the models of a table folded together, sharing one memory and one position
 * per row, come out exactly as each folded alone, whatever is replayed and however it is batched.
 */

const members: CompiledModel[] = [
  everyMeasureModel('by_status'),
  everyMeasureModel('by_status_now', { archive: 'retract' }),
  hourAndBandModel('by_hour_and_band'),
  compileModel(
    readModelDefinition.parse({
      name: 'shipped',
      source: 'public.orders',
      kind: 'flow',
      when: { becomes: { column: 'status', in: ['shipped'] } },
      dimensions: [{ name: 'minute', bucket: { time: 'commit', unit: 'minute', timeZone: 'UTC' } }],
      measures: [{ name: 'shipped', type: 'count' }],
      retention: '24h',
    }),
  ),
];

/** One member's share of a lane fold, as foldBatch would give it. */
function memberResult(lane: LaneFold, model: CompiledModel): FoldResult {
  const member = lane.members.get(model.name);
  if (!member) throw new Error(`no fold for ${model.name}`);
  return {
    ...lane,
    deltas: member.deltas,
    maxCommitTimeMs: member.maxCommitTimeMs,
    retainFromMs: member.retainFromMs,
  };
}

/** Batches as the projector cuts them, each segment's snapshot end swept, for some fold. */
function replay(
  delivered: FoldEvent[],
  sizes: number[],
  fold: (events: FoldEvent[]) => void,
  sweep: (end: FoldEvent) => FoldEvent[],
): void {
  let position = 0;
  for (let i = 0; position < delivered.length; i += 1) {
    const size = sizes[i % sizes.length] ?? 1;
    for (const segment of splitAtSnapshotEnds(delivered.slice(position, position + size))) {
      fold(segment.events);
      if (segment.end) fold(sweep(segment.end));
    }
    position += size;
  }
}

function alone(model: CompiledModel, delivered: FoldEvent[], sizes: number[]): MemoryStore {
  const store = new MemoryStore(model);
  replay(
    delivered,
    sizes,
    (events) => store.apply(foldBatch(model, events, store.state())),
    (end) => snapshotSweep(end, store.rows),
  );
  return store;
}

/** `remember`: each batch judged first (judgeEvents), its fold taking the rows the verdict remembered. */
function together(delivered: FoldEvent[], sizes: number[], remember = false): MemoryStore[] {
  const stores = members.map((model) => new MemoryStore(model));
  const [first] = stores as [MemoryStore];
  replay(
    delivered,
    sizes,
    (events) => {
      const remembered = remember ? new RememberedRows() : undefined;
      if (remembered) judgeEvents(events, members, undefined, remembered);
      const lane = foldLane(
        members,
        events,
        {
          rows: new Map(first.rows),
          maxCommitTimeMs: new Map(
            members.map((model, i) => [model.name, stores[i]?.maxCommitTimeMs ?? null]),
          ),
        },
        remembered,
      );
      members.forEach((model, i) => stores[i]?.apply(memberResult(lane, model)));
    },
    (end) => snapshotSweep(end, first.rows),
  );
  return stores;
}

describe('foldLane', () => {
  it('folds every model of a table in one pass exactly as each alone, under replays and any batching', () => {
    fc.assert(
      fc.property(delivery, ([changes, resends, replays, sizes]) => {
        const history = buildHistory(changes, resends);
        const delivered = deliver(history.events, replays);
        const stores = together(delivered, sizes);
        members.forEach((model, i) => {
          expect(stores[i]?.view()).toEqual(alone(model, delivered, sizes).view());
        });
      }),
      { numRuns: 300 },
    );
  });

  it('takes the rows its verdict remembered and comes out the same', () => {
    fc.assert(
      fc.property(delivery, ([changes, resends, replays, sizes]) => {
        const history = buildHistory(changes, resends);
        const delivered = deliver(history.events, replays);
        const plain = together(delivered, sizes).map((store) => store.view());
        expect(together(delivered, sizes, true).map((store) => store.view())).toEqual(plain);
      }),
      { numRuns: 100 },
    );
  });

  it('reads an unchanged TOAST value from the row, not from what its verdict remembered', () => {
    const history = buildHistory([
      { key: 1, status: 'paid', cents: 1050, customer: 'acme', createdHours: 1, gapMinutes: 1 },
    ]);
    const [created] = history.events as [FoldEvent];
    if (created.kind === 'delete') throw new Error('expected a create');
    const update = {
      ...created,
      kind: 'update',
      before: null,
      source: { ...created.source, lsn: created.source.lsn + 8n },
      record: { ...created.record, offset: String(Number(created.record.offset) + 1) },
      after: { ...created.after, status: 'shipped', amount: { kind: 'unavailable' } },
    } as FoldEvent;
    const remembered = new RememberedRows();
    judgeEvents([update], members, undefined, remembered);
    expect(remembered.memoryOf(update, members)).toBeUndefined();
    const first = foldLane(members, [created], { rows: new Map(), maxCommitTimeMs: new Map() });
    const rows = new Map([...first.rows].map(([key, write]) => [key, write.next]));
    const lane = foldLane(members, [update], { rows, maxCommitTimeMs: new Map() }, remembered);
    expect([...lane.rows.values()][0]?.next.memory?.amount).toBe('10.50');
  });

  it("remembers each row once, with every member's columns", () => {
    const history = buildHistory([
      { key: 1, status: 'paid', cents: 1050, customer: 'acme', createdHours: 1, gapMinutes: 1 },
      { key: 2, status: 'shipped', cents: 99, customer: 'globex', createdHours: 2, gapMinutes: 1 },
    ]);
    const lane = foldLane(members, history.events, { rows: new Map(), maxCommitTimeMs: new Map() });
    const columns = [...new Set(members.flatMap((model) => model.columns))].sort();
    expect(lane.rows.size).toBe(2);
    for (const write of lane.rows.values())
      expect(Object.keys(write.next.memory ?? {}).sort()).toEqual(columns);
    expect(lane.applied).toBe(2);
    expect([...lane.members.keys()]).toEqual(members.map((model) => model.name));
  });

  it('rejects a change every member could not take for all of them', () => {
    const history = buildHistory([
      { key: 1, status: 'paid', cents: 1050, customer: 'acme', createdHours: 1, gapMinutes: 1 },
    ]);
    const [event] = history.events as [FoldEvent];
    // A float amount: the status count could take it, the sums cannot.
    const float = {
      ...event,
      after: { ...(event.kind === 'delete' ? {} : event.after), amount: 10.5 },
    } as FoldEvent;
    const lane = foldLane(members, [float], { rows: new Map(), maxCommitTimeMs: new Map() });
    expect(lane.rows.size).toBe(0);
    expect(lane.rejected.map((r) => r.reason)).toEqual([
      expect.stringContaining('amount arrived as a float'),
    ]);
    for (const member of lane.members.values()) expect(member.deltas.isEmpty).toBe(true);
  });
});
