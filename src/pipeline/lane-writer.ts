import type { RawRecord } from '../decode/index.ts';
import { ErrorCode, ReadoutError } from '../errors/index.ts';
import type { Logger } from '../log/logger.ts';
import {
  foldLane,
  snapshotSweep,
  splitAtSnapshotEnds,
  type CompiledModel,
  type FoldEvent,
  type LaneFold,
  type LaneRow,
  type MemberFold,
  type RememberedRows,
} from '../projection/index.ts';
import {
  laneMemberKeys,
  readerName,
  type ApplyLaneOutcome,
  type ApplyLaneRequest,
  type BatchOffset,
  type DeadLetter,
  type Lane,
  type LetterConcern,
  type ReadModelStore,
} from '../store/index.ts';
import { chunksOf, CHUNK_EVENTS, settle } from './lane-chunks.ts';
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
  /** The batch's rows as its verdict remembered them, for folds over the same columns. */
  readonly remembered?: RememberedRows;
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

const concernsOf = (members: readonly CompiledModel[]): LetterConcern[] =>
  members.map((model) => ({ model: model.name, table: model.table, generation: model.generation ?? 0 }));

export interface LaneWriter {
  /** Folds and applies events of one table to a lane (in order), sweeping after each snapshot end. */
  write(lane: Lane, events: readonly FoldEvent[], context: WriteContext): Promise<WriteTotals>;
}

/**
 * Writes folded events to a lane (models of one table sharing one memory per row): read the rows'
 * state, fold every member in one pass, apply with the fence, and on a conflict (another writer
 * moved a row) read and fold again. Rows a value rejects are dead-lettered for every member. A
 * member found stopped is left out of the lane from then on.
 */
export function createLaneWriter({ store, logger }: { store: ReadModelStore; logger: Logger }): LaneWriter {
  // Members found stopped ("model#generation"): they take no more changes (see stopModel).
  const stopped = new Set<string>();
  const writing = (lane: Lane): Lane => {
    const kept = lane.members.filter((model) => !stopped.has(readerName(model.name, model.generation)));
    if (kept.length === lane.members.length) return lane;
    return { ...lane, members: kept, keys: kept.map((model) => laneMemberKeys(lane, model)) };
  };

  async function applyLane(
    whole: Lane,
    events: readonly FoldEvent[],
    context: WriteContext,
  ): Promise<WriteTotals> {
    const rowKeys = [...new Set(events.map((event) => event.rowKey))];
    let conflicts = 0;
    let skipsVerified = false;
    for (;;) {
      const lane = writing(whole);
      const { members } = lane;
      if (members.length === 0) return { applied: 0, duplicates: 0 };
      const state = await store.readLaneState(lane, rowKeys);
      const fold = foldLane(members, events, state, context.remembered);
      // A row skipped as duplicate is not fenced by the apply script, so the verdict must come from
      // Redis: a row remembered in memory can be newer than Redis when a failover lost a write it
      // had acknowledged, and the batch that made the write is then delivered again.
      if (!skipsVerified && fold.skippedRows.size > 0) {
        skipsVerified = true;
        if (store.forgetLaneRows(lane, [...fold.skippedRows])) continue;
      }
      const rejected = fold.rejected.flatMap(({ event, reason }) => {
        const record = context.records.get(event.record.offset);
        return record ? [deadLetter(record, ErrorCode.EventMalformed, reason, concernsOf(members))] : [];
      });
      // Every member took (or skipped) each change: the totals count it once per member.
      const totals = (applied: number) => ({
        applied: applied * members.length,
        duplicates: fold.duplicates * members.length,
      });
      if (fold.rows.size === 0) {
        context.letters.push(...rejected);
        for (const model of members) await store.countDuplicates(model, fold.duplicates);
        return totals(0);
      }
      const outcome = await store.applyLane(laneRequest(lane, fold, context.offset, context.readPast));
      if (outcome.kind === 'applied') {
        context.letters.push(...rejected);
        return totals(fold.applied);
      }
      const where = context.offset && { topic: context.offset.topic, partition: context.offset.partition };
      const generationOf = (name: string) => members.find((model) => model.name === name)?.generation ?? 0;
      switch (outcome.kind) {
        case 'refused':
          return await applyRefused(lane, events, context, outcome.reason);
        case 'stopped':
          // Stopped (by this projector, another, or before a restart): status and readiness say
          // why. The other members go on without it.
          stopped.add(readerName(outcome.model, generationOf(outcome.model)));
          continue;
        case 'moved':
          // A rebuild switched readers to another generation: the batch is read again, written there.
          throw new ReadoutError(
            ErrorCode.GenerationMoved,
            `${outcome.model} moved to generation ${outcome.current} (rebuilt); generation ${generationOf(outcome.model)} is no longer written`,
            { retriable: true, details: { ...where } },
          );
        case 'behind':
          // Delivered again, the batch finds the model behind it before folding, and the partition
          // is read again from where the model stands (stream-positions.ts).
          throw lostWritesError(
            readerName(outcome.model, generationOf(outcome.model)),
            BigInt(outcome.stood),
            BigInt(context.offset?.first ?? outcome.stood),
            { ...where },
          );
        case 'unread': {
          // The caller saw the lane past these records; Redis no longer has it there (a failover
          // took writes back meanwhile). Tried again, the caller looks again.
          const [topic = '', partition = ''] = splitPartition(outcome.partition);
          const past = BigInt(context.readPast?.get(outcome.partition) ?? '0') + 1n;
          throw lostWritesError(
            readerName(outcome.model, generationOf(outcome.model)),
            outcome.stood === null ? null : BigInt(outcome.stood),
            past,
            { topic, partition },
          );
        }
        case 'unfollowed':
          // Only writes sent one after another (applyInChunks) follow another, and this one does not.
          throw new Error(`${lane.id}: a write that follows none was answered unfollowed`);
        case 'conflict':
          logger.warn(
            { ...where, lane: lane.id, rowKey: outcome.rowKey },
            'row moved under us; folding again',
          );
          conflicts += 1;
          if (conflicts >= MAX_CONFLICT_RETRIES) {
            throw new ReadoutError(
              ErrorCode.StoreConflict,
              `row ${outcome.rowKey} of ${lane.id} kept moving: another writer owns it`,
              { retriable: true, details: { ...where, attempt: conflicts } },
            );
          }
      }
    }
  }

  /**
   * Applies a lane's events of one batch in chunks, each chunk's script sent while the one before
   * runs in Redis (its fold overlapping that wait), every chunk after the first marked as following
   * the one before (BatchOffset.follows): Redis applies it only if that one was applied. Each chunk
   * records the offset where the next one begins, so a recorded offset never passes a record not
   * applied. A chunk is folded from the rows as the chunks before it leave them. Only the case
   * where every chunk applies is handled here: from the first chunk that is not applied (or whose
   * fold has duplicates to verify or records to set aside), the rest of the events go through
   * applyLane one script at a time, which handles every answer.
   */
  async function applyInChunks(
    whole: Lane,
    events: readonly FoldEvent[],
    context: WriteContext & { readonly offset: BatchOffset },
  ): Promise<WriteTotals> {
    const chunks = chunksOf(events, context.offset);
    const lane = writing(whole);
    const { members } = lane;
    if (members.length === 0) return { applied: 0, duplicates: 0 };
    // The rows as the chunks sent so far leave them.
    const written = new Map<string, LaneRow>();
    let maxCommitTimeMs: ReadonlyMap<string, bigint | null> | undefined;
    // Each answer is settled as it comes (a failure is seen only once every chunk is answered, and
    // must not be an unhandled rejection meanwhile).
    const sent: Array<{ fold: LaneFold; outcome: Promise<PromiseSettledResult<ApplyLaneOutcome>> }> = [];
    for (const chunk of chunks) {
      const rowKeys = [...new Set(chunk.events.map((event) => event.rowKey))];
      const stored = await store.readLaneState(
        lane,
        rowKeys.filter((rowKey) => !written.has(rowKey)),
      );
      const rows = new Map(stored.rows);
      for (const rowKey of rowKeys) {
        const row = written.get(rowKey);
        if (row) rows.set(rowKey, row);
      }
      const fold = foldLane(
        members,
        chunk.events,
        { rows, maxCommitTimeMs: maxCommitTimeMs ?? stored.maxCommitTimeMs },
        context.remembered,
      );
      if (fold.skippedRows.size > 0 || fold.rejected.length > 0 || fold.rows.size === 0) break;
      sent.push({
        fold,
        outcome: settle(
          store.applyLane(
            laneRequest(lane, fold, sent.length === 0 ? chunk.offset : { ...chunk.offset, follows: true }),
          ),
        ),
      });
      fold.rows.forEach(({ next }, rowKey) => written.set(rowKey, next));
      maxCommitTimeMs = new Map([...fold.members].map(([name, member]) => [name, member.maxCommitTimeMs]));
    }
    const outcomes = await Promise.all(sent.map(({ outcome }) => outcome));
    const total = { applied: 0, duplicates: 0 };
    let done = 0;
    for (const [i, settled] of outcomes.entries()) {
      if (settled.status === 'rejected') throw settled.reason;
      if (settled.value.kind !== 'applied') break;
      const fold = sent[i]?.fold;
      total.applied += (fold?.applied ?? 0) * members.length;
      total.duplicates += (fold?.duplicates ?? 0) * members.length;
      done += 1;
    }
    const rest = chunks.slice(done);
    const [next] = rest;
    if (next === undefined) return total;
    const after = await applyLane(
      whole,
      rest.flatMap((chunk) => chunk.events),
      {
        ...context,
        offset: { ...context.offset, first: next.offset.first },
      },
    );
    return { applied: total.applied + after.applied, duplicates: total.duplicates + after.duplicates };
  }

  /**
   * Redis refused the batch for something that would refuse it again (a key of another type, a
   * stored value that is not an integer), and wrote nothing. The batch is halved until the
   * records it refuses stand alone: those are dead-lettered for every member (they share the
   * rows: one verdict per record), the rest applied, and the partition moves on.
   */
  async function applyRefused(
    lane: Lane,
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
          lane: lane.id,
          topic: only.record.topic,
          partition: only.record.partition,
          offset: only.record.offset,
        },
        `Redis refused a change: ${reason}`,
      );
      context.letters.push(
        deadLetter(
          record,
          ErrorCode.StoreRefused,
          `${lane.id}: Redis refused it: ${reason}`,
          concernsOf(lane.members),
        ),
      );
      return { applied: 0, duplicates: 0 };
    }
    const middle = Math.ceil(events.length / 2);
    const first = await applyLane(lane, events.slice(0, middle), context);
    const second = await applyLane(lane, events.slice(middle), context);
    return { applied: first.applied + second.applied, duplicates: first.duplicates + second.duplicates };
  }

  return {
    async write(lane, events, context) {
      const total = { applied: 0, duplicates: 0 };
      const segments = splitAtSnapshotEnds(events);
      for (const segment of segments) {
        const { offset } = context;
        // In chunks only when the segment is the whole batch: every segment records the batch's
        // end, so after the first one the offset fence could no longer tell a chunk not applied.
        const result =
          offset !== null &&
          context.readPast === undefined &&
          segments.length === 1 &&
          segment.events.length >= 2 * CHUNK_EVENTS
            ? await applyInChunks(lane, segment.events, { ...context, offset })
            : await applyLane(lane, segment.events, context);
        total.applied += result.applied;
        total.duplicates += result.duplicates;
        if (!segment.end) continue;
        let swept = 0;
        for await (const page of store.scanRowPositions(lane)) {
          const state = await store.readLaneState(
            lane,
            page.map(([rowKey]) => rowKey),
          );
          const deletes = snapshotSweep(segment.end, state.rows);
          if (deletes.length > 0) swept += (await applyLane(lane, deletes, context)).applied;
        }
        total.applied += swept;
        if (swept > 0) {
          logger.info(
            { lane: lane.id, table: segment.end.table, swept, offset: segment.end.record.offset },
            'rows the snapshot did not read were deleted',
          );
        }
      }
      return total;
    },
  };
}

/** What the apply script takes for a lane's fold: every member's keys and share of it. */
function laneRequest(
  lane: Lane,
  fold: LaneFold,
  offset: BatchOffset | null,
  readPast?: ReadonlyMap<string, string>,
): ApplyLaneRequest {
  return {
    rows: lane.rows,
    members: lane.members.map((model) => ({
      model,
      keys: laneMemberKeys(lane, model),
      fold: memberFold(fold, model),
    })),
    fold,
    offset,
    ...(readPast ? { readPast } : {}),
  };
}

/** One member's share of a lane fold. */
function memberFold(fold: LaneFold, model: CompiledModel): MemberFold {
  const member = fold.members.get(model.name);
  if (!member) throw new Error(`the fold of the lane lost ${model.name}`);
  return member;
}
