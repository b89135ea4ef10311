import { deleteOf, type WaitingChange } from '../cleanup/index.ts';
import type { Logger } from '../log/logger.ts';
import { truncateDeletes, type CompiledModel, type FoldEvent } from '../projection/index.ts';
import { partitionKey, type GuardStore, type Lane, type ReadModelStore } from '../store/index.ts';
import { inLaneOrder } from './write-order.ts';
import type { LaneWriter, WriteContext, WriteTotals } from './lane-writer.ts';

export interface CleanupActions {
  /**
   * Applies waiting deletes of a table, as archival or business deletes, to each of its models
   * that has read their records; a model that has not applies them when it reads them.
   */
  applyDeletes(table: string, changes: readonly WaitingChange[], archival: boolean): Promise<WriteTotals>;
  /** Removes every row a TRUNCATE removed (rows written after it stay). */
  applyTruncate(table: string, truncate: WaitingChange, archival: boolean): Promise<WriteTotals>;
  /** An operator's decision on a held change: applies it, then forgets the hold. Safe to repeat. */
  release(
    id: string,
    decision: 'archive' | 'retract',
  ): Promise<{ readonly rows: number; readonly applied: number }>;
}

/**
 * Changes applied after their batch record no offset: a generation still catching up (a rebuild
 * handed over) would otherwise skip the records between where it stands and the change.
 */
function afterTheirBatch(readPast?: ReadonlyMap<string, string>): WriteContext {
  return { offset: null, records: new Map(), letters: [], ...(readPast ? { readPast } : {}) };
}

/**
 * The deletes a model has read the records of (it stands past them in their partitions), and per
 * partition the last of them. Only those may be applied to it now: a delete applied before the
 * model applied the row's earlier changes would make them duplicates when they come (a state model
 * ends the same, a flow model loses the moves they made). The model applies the others when it
 * reads their records: their transaction's END (or the operator's decision) is recorded by then,
 * so the guard admits them in their place in the partition.
 */
function readBy(
  events: readonly FoldEvent[],
  stood: ReadonlyMap<string, string | null>,
): { read: FoldEvent[]; readPast: Map<string, string> } {
  const readPast = new Map<string, string>();
  const read = events.filter((event) => {
    const partition = partitionKey(event.record.topic, event.record.partition);
    const next = stood.get(partition) ?? null;
    const offset = BigInt(event.record.offset);
    if (next === null || BigInt(next) <= offset) return false;
    const last = readPast.get(partition);
    if (last === undefined || offset > BigInt(last)) readPast.set(partition, event.record.offset);
    return true;
  });
  return { read, readPast };
}

/**
 * Where a lane stands in each partition: the offset every member has read up to (the least of
 * theirs; null where one has read nothing), so that a change is applied only once all have read
 * the changes before it.
 */
async function readByEveryMember(
  store: Pick<ReadModelStore, 'readOffsets'>,
  lane: Lane,
  partitions: readonly string[],
): Promise<Map<string, string | null>> {
  const stood = await Promise.all(lane.members.map((model) => store.readOffsets(model, partitions)));
  return new Map(
    partitions.map((partition) => {
      let least: string | null | undefined;
      for (const offsets of stood) {
        const next = offsets.get(partition) ?? null;
        if (next === null || least === null) least = null;
        else if (least === undefined || BigInt(next) < BigInt(least)) least = next;
      }
      return [partition, least ?? null] as const;
    }),
  );
}

export function createCleanupActions(deps: {
  /** The model instances to write now (a rebuild may add one, or move one to a new generation). */
  readonly targets: () => readonly CompiledModel[];
  readonly store: ReadModelStore;
  readonly guard: GuardStore;
  readonly writer: LaneWriter;
  readonly logger: Logger;
}): CleanupActions {
  const { targets, store, guard, writer, logger } = deps;
  const lanesOf = async (table: string) =>
    await store.lanesOf(targets().filter((model) => model.table === table));
  /** Writes changes after their batch; what Redis refused of them is kept as dead letters. */
  const writeAfterTheirBatch = async (
    lane: Lane,
    events: readonly FoldEvent[],
    readPast?: ReadonlyMap<string, string>,
  ) => {
    const context = afterTheirBatch(readPast);
    const result = await writer.write(lane, events, context);
    if (context.letters.length > 0) await store.recordDeadLetters(context.letters);
    return result;
  };
  const add = (total: WriteTotals, part: WriteTotals) => {
    total.applied += part.applied;
    total.duplicates += part.duplicates;
  };

  const actions: CleanupActions = {
    async applyDeletes(table, changes, archival) {
      const total = { applied: 0, duplicates: 0 };
      if (changes.length === 0) return total;
      const events: FoldEvent[] = changes.map((change) => ({
        ...deleteOf(change, table),
        ...(archival ? { archival: true } : {}),
      }));
      const partitions = [
        ...new Set(events.map((event) => partitionKey(event.record.topic, event.record.partition))),
      ];
      for (const part of await inLaneOrder(await lanesOf(table), async (lane) => {
        const { read, readPast } = readBy(events, await readByEveryMember(store, lane, partitions));
        return read.length === 0
          ? { applied: 0, duplicates: 0 }
          : await writeAfterTheirBatch(lane, read, readPast);
      }))
        add(total, part);
      return total;
    },

    async applyTruncate(table, truncate, archival) {
      const total = { applied: 0, duplicates: 0 };
      const position = deleteOf(truncate, table);
      for (const lane of await lanesOf(table)) {
        for await (const page of store.scanRowPositions(lane)) {
          const state = await store.readLaneState(
            lane,
            page.map(([rowKey]) => rowKey),
          );
          const deletes = truncateDeletes(position, state.rows, archival);
          if (deletes.length > 0) add(total, await writeAfterTheirBatch(lane, deletes));
        }
      }
      logger.info({ table, archival, rows: total.applied }, 'TRUNCATE applied');
      return total;
    },

    async release(id, decision) {
      const held = (await guard.listHeld()).find((change) => change.id === id);
      if (!held) return { rows: 0, applied: 0 };
      await guard.decide(id, decision);
      const changes = await guard.heldChanges(id);
      const archival = decision === 'archive';
      let applied = 0;
      if (held.kind === 'truncate') {
        for (const truncate of changes)
          applied += (await actions.applyTruncate(held.table, truncate, archival)).applied;
      } else {
        applied = (await actions.applyDeletes(held.table, changes, archival)).applied;
      }
      await guard.drop(id);
      logger.info({ id, decision, rows: changes.length, applied }, 'held change released');
      return { rows: changes.length, applied };
    },
  };
  return actions;
}
