import type { RawRecord } from '../decode/index.ts';
import { ErrorCode, ReadoutError } from '../errors/index.ts';
import type { Logger } from '../log/logger.ts';
import {
  foldBatch,
  snapshotSweep,
  splitAtSnapshotEnds,
  type CompiledModel,
  type FoldEvent,
} from '../projection/index.ts';
import {
  readerName,
  type BatchOffset,
  type DeadLetter,
  type LetterConcern,
  type ReadModelStore,
} from '../store/index.ts';
import { lostWritesError } from './position-decision.ts';

/** "topic/partition" → [topic, partition] (a topic name may hold slashes; the partition may not). */
const splitPartition = (key: string): [string, string] => {
  const at = key.lastIndexOf('/');
  return [key.slice(0, at), key.slice(at + 1)];
};

const MAX_CONFLICT_RETRIES = 5;

export interface WriteTotals {
  applied: number;
  duplicates: number;
}

/** Where the events came from: the Kafka offset recorded with them, and the raw records for dead letters. */
export interface WriteContext {
  /** Null for changes applied after their batch (see BatchWrite): no offset is recorded. */
  readonly offset: BatchOffset | null;
  /** Changes applied after their batch: what the model must have read past (see BatchWrite). */
  readonly readPast?: ReadonlyMap<string, string>;
  readonly records: ReadonlyMap<string, RawRecord>;
  readonly letters: DeadLetter[];
}

/**
 * A record set aside with its reason. `concerns`: the model generations that miss it, when only
 * some of its topic's models do (the projector fills in every model of the topic otherwise).
 */
export function deadLetter(
  record: RawRecord,
  code: string,
  reason: string,
  concerns?: readonly LetterConcern[],
): DeadLetter {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    code,
    reason,
    key: record.key?.toString('utf8') ?? null,
    value: record.value?.toString('utf8') ?? null,
    ...(concerns === undefined ? {} : { concerns }),
  };
}

const concernOf = (model: CompiledModel): LetterConcern => ({
  model: model.name,
  generation: model.generation ?? 0,
});

export interface ModelWriter {
  /** Folds and applies events of one model (in order), sweeping after each snapshot end. */
  write(model: CompiledModel, events: readonly FoldEvent[], context: WriteContext): Promise<WriteTotals>;
}

/**
 * Writes folded events to a read model: read the rows' state, fold, apply with the fence, and on a
 * conflict (another writer moved a row) read and fold again. Rows a value rejects are dead-lettered.
 */
export function createModelWriter({ store, logger }: { store: ReadModelStore; logger: Logger }): ModelWriter {
  async function applyModel(
    model: CompiledModel,
    events: readonly FoldEvent[],
    context: WriteContext,
  ): Promise<WriteTotals> {
    const rowKeys = [...new Set(events.map((event) => event.rowKey))];
    let conflicts = 0;
    let skipsVerified = false;
    for (;;) {
      const state = await store.readModelState(model, rowKeys);
      const fold = foldBatch(model, events, state);
      // A row skipped as duplicate is not fenced by the apply script, so the verdict must come from
      // Redis: a row remembered in memory can be newer than Redis when a failover lost a write it
      // had acknowledged, and the batch that made the write is then delivered again.
      if (!skipsVerified && fold.skippedRows.size > 0) {
        skipsVerified = true;
        if (store.forgetRows(model, [...fold.skippedRows])) continue;
      }
      const rejected = fold.rejected.flatMap(({ event, reason }) => {
        const record = context.records.get(event.record.offset);
        return record
          ? [deadLetter(record, ErrorCode.EventMalformed, `${model.name}: ${reason}`, [concernOf(model)])]
          : [];
      });
      if (fold.rows.size === 0) {
        context.letters.push(...rejected);
        await store.countDuplicates(model, fold.duplicates);
        return { applied: 0, duplicates: fold.duplicates };
      }
      const outcome = await store.applyBatch(model, {
        fold,
        offset: context.offset,
        ...(context.readPast ? { readPast: context.readPast } : {}),
      });
      if (outcome.kind === 'applied') {
        context.letters.push(...rejected);
        return { applied: fold.applied, duplicates: fold.duplicates };
      }
      const where = context.offset && { topic: context.offset.topic, partition: context.offset.partition };
      if (outcome.kind === 'refused') return await applyRefused(model, events, context, outcome.reason);
      // Stopped (by this projector, another, or before a restart): status and readiness say why.
      if (outcome.kind === 'stopped') return { applied: 0, duplicates: 0 };
      if (outcome.kind === 'moved') {
        // A rebuild switched readers to another generation: the batch is read again, written there.
        throw new ReadoutError(
          ErrorCode.GenerationMoved,
          `${model.name} moved to generation ${outcome.current} (rebuilt); generation ${model.generation ?? 0} is no longer written`,
          { retriable: true, details: { ...where } },
        );
      }
      if (outcome.kind === 'behind') {
        // Delivered again, the batch finds the model behind it before folding, and the partition
        // is read again from where the model stands (stream-positions.ts).
        throw lostWritesError(
          readerName(model.name, model.generation),
          BigInt(outcome.stood),
          BigInt(context.offset?.first ?? outcome.stood),
          { ...where },
        );
      }
      if (outcome.kind === 'unread') {
        // The caller saw the model past these records; Redis no longer has it there (a failover
        // took writes back meanwhile). Tried again, the caller looks again.
        const [topic = '', partition = ''] = splitPartition(outcome.partition);
        const past = BigInt(context.readPast?.get(outcome.partition) ?? '0') + 1n;
        throw lostWritesError(
          readerName(model.name, model.generation),
          outcome.stood === null ? null : BigInt(outcome.stood),
          past,
          { topic, partition },
        );
      }
      logger.warn(
        { ...where, model: model.name, rowKey: outcome.rowKey },
        'row moved under us; folding again',
      );
      conflicts += 1;
      if (conflicts >= MAX_CONFLICT_RETRIES) {
        throw new ReadoutError(
          ErrorCode.StoreConflict,
          `row ${outcome.rowKey} of ${model.name} kept moving: another writer owns it`,
          { retriable: true, details: { ...where, attempt: conflicts } },
        );
      }
    }
  }

  /**
   * Redis refused the batch for something that would refuse it again (a key of another type, a
   * stored value that is not an integer), and wrote nothing. The batch is halved until the
   * records it refuses stand alone: those are dead-lettered for this model, the rest applied, and
   * the partition moves on.
   */
  async function applyRefused(
    model: CompiledModel,
    events: readonly FoldEvent[],
    context: WriteContext,
    reason: string,
  ): Promise<WriteTotals> {
    const [only] = events;
    if (events.length === 1 && only) {
      // A change applied after its batch (a released delete) has no raw record at hand: its
      // position alone says which one it was.
      const record = context.records.get(only.record.offset) ?? { ...only.record, key: null, value: null };
      logger.error(
        {
          model: model.name,
          topic: only.record.topic,
          partition: only.record.partition,
          offset: only.record.offset,
        },
        `Redis refused a change: ${reason}`,
      );
      context.letters.push(
        deadLetter(record, ErrorCode.StoreRefused, `${model.name}: Redis refused it: ${reason}`, [
          concernOf(model),
        ]),
      );
      return { applied: 0, duplicates: 0 };
    }
    const middle = Math.ceil(events.length / 2);
    const first = await applyModel(model, events.slice(0, middle), context);
    const second = await applyModel(model, events.slice(middle), context);
    return { applied: first.applied + second.applied, duplicates: first.duplicates + second.duplicates };
  }

  return {
    async write(model, events, context) {
      const total = { applied: 0, duplicates: 0 };
      for (const segment of splitAtSnapshotEnds(events)) {
        const result = await applyModel(model, segment.events, context);
        total.applied += result.applied;
        total.duplicates += result.duplicates;
        if (!segment.end) continue;
        let swept = 0;
        for await (const page of store.scanRowPositions(model)) {
          const state = await store.readModelState(
            model,
            page.map(([rowKey]) => rowKey),
          );
          const deletes = snapshotSweep(segment.end, state.rows);
          if (deletes.length > 0) swept += (await applyModel(model, deletes, context)).applied;
        }
        total.applied += swept;
        if (swept > 0) {
          logger.info(
            { model: model.name, table: segment.end.table, swept, offset: segment.end.record.offset },
            'rows the snapshot did not read were deleted',
          );
        }
      }
      return total;
    },
  };
}
