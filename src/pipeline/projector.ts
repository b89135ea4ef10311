import {
  deletesPastRetention,
  markArchival,
  untaggedDeleteGroups,
  waitingChangeOf,
  type CleanupRules,
  type DeleteGroup,
} from '../cleanup/index.ts';
import {
  decodeRecord,
  isRowEvent,
  type ChangeEvent,
  type DecodeLimits,
  type RawRecord,
  type RowEvent,
  type Truncate,
} from '../decode/index.ts';
import { ErrorCode, isReadoutError } from '../errors/index.ts';
import type { SourceBatch } from '../ingest/index.ts';
import type { Logger } from '../log/logger.ts';
import { RememberedRows, type CompiledModel, type FoldEvent } from '../projection/index.ts';
import {
  laneMemberKeys,
  readerName,
  type Admission,
  type DeadLetter,
  type GuardStore,
  type LetterConcern,
  type ReadModelStore,
} from '../store/index.ts';
import { withBoundedRetries } from './bounded-retries.ts';
import { decodeTiming, type DecodeTiming } from './decode-timing.ts';
import { judgeEvents, type SchemaChange } from './record-verdicts.ts';
import { createSchemaWatch } from './schema-watch.ts';
import { createCleanupActions, type CleanupActions } from './cleanup-actions.ts';
import { inLaneOrder } from './write-order.ts';
import { lostWritesError } from './position-decision.ts';
import { createLaneWriter, deadLetter, type WriteContext, type WriteTotals } from './lane-writer.ts';

export interface CleanupDeps {
  readonly rules: CleanupRules;
  /** Null: no mass-delete guard (deletes apply as they come; TRUNCATEs are dead-lettered). */
  readonly guard: GuardStore | null;
  /** Debezium's transaction metadata topic, whose END events release pending deletes. */
  readonly transactionTopic: string;
}

export interface ProjectorDeps {
  readonly models: readonly CompiledModel[];
  /**
   * The model instances to write now (each says its generation); by default `models` themselves.
   * A rebuild changes them between batches (see generations.ts).
   */
  readonly targets?: () => readonly CompiledModel[];
  readonly store: ReadModelStore;
  readonly logger: Logger;
  readonly cleanup?: CleanupDeps;
  /**
   * The Kafka topic each model reads: a record that cannot be decoded concerns every model of its
   * topic (and one of the transaction topic every model). Without it, every model.
   */
  readonly topicOf?: (model: CompiledModel) => string;
  /** What a record may hold before it is dead-lettered unread (default: DEFAULT_DECODE_LIMITS). */
  readonly decodeLimits?: DecodeLimits;
}

export interface BatchStats {
  readonly applied: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  /** Commit time (epoch ms) of each row change in the batch, for the freshness histogram. */
  readonly commitTimesMs: readonly number[];
  /** Readers (by name) whose writes recorded the batch's end offset with them. */
  readonly recordedBy: ReadonlySet<string>;
  /** The most CPU time one record of the batch took to decode, in milliseconds. */
  readonly slowestDecodeMs: number;
}

export interface Projector {
  /** Folds and applies one partition batch to every model of its table; resolves once Redis acknowledged. */
  handleBatch(batch: SourceBatch): Promise<BatchStats>;
  /** Operator actions on held changes (null without a guard). */
  readonly actions: CleanupActions | null;
}

/** A batch's row events, cut at each TRUNCATE: the rows before it are applied first. */
interface Segment {
  readonly events: RowEvent[];
  readonly truncate: Truncate | null;
}

/** What every step of a batch shares: the records, where their dead letters go, who recorded the batch. */
interface BatchWork {
  readonly part: SourceBatch;
  readonly context: WriteContext;
  readonly recordedBy: Set<string>;
  readonly letters: DeadLetter[];
}

/** One segment as it passes the steps: the events the next step sees, what waits, what was written. */
interface SegmentWork {
  readonly segment: Segment;
  /** The row events every model of their table can take (the judge's verdict). */
  admitted: RowEvent[];
  /** What is to be written, as archival recognition and the guard leave it. */
  events: FoldEvent[];
  waiting: DeleteGroup[];
  schemaChanges: readonly SchemaChange[];
  readonly written: WriteTotals;
}

type SegmentStep = (work: SegmentWork, batch: BatchWork) => Promise<void>;

function add(total: WriteTotals, more: WriteTotals): void {
  total.applied += more.applied;
  total.duplicates += more.duplicates;
}

/**
 * The projector: decode → recognise cleanups → guard → fold → apply, per partition batch and
 * read model. Poison records are dead-lettered with their reason and position and the partition
 * keeps flowing; transient failures reject the batch so it is delivered again (every step is
 * idempotent, so redelivery is harmless).
 */
export function createProjector({
  models,
  targets,
  store,
  logger,
  cleanup,
  topicOf,
  decodeLimits,
}: ProjectorDeps): Projector {
  const writer = createLaneWriter({ store, logger });
  const guard = cleanup?.guard ?? null;
  const current = targets ?? (() => models);
  const actions = guard ? createCleanupActions({ targets: current, store, guard, writer, logger }) : null;
  const origins = cleanup?.rules.archiveOrigins ?? new Set<string>();
  const threshold = (table: string) => (guard ? (cleanup?.rules.massDeleteRows(table) ?? 0) : 0);
  /** Per table, the model whose remembered rows judge the declared archival retention. */
  function retentionJudges(): Map<string, CompiledModel> {
    const judges = new Map<string, CompiledModel>();
    for (const model of current())
      if (model.archivalRetention && !judges.has(model.table)) judges.set(model.table, model);
    return judges;
  }

  async function writeAll(
    events: readonly FoldEvent[],
    context: WriteContext,
    recordedBy: Set<string>,
    schemaChanges: readonly SchemaChange[] = [],
  ): Promise<WriteTotals> {
    const results = await inLaneOrder(await store.lanesOf(current()), async (whole) => {
      const total = { applied: 0, duplicates: 0 };
      const table = whole.members[0]?.table;
      const mine = events.filter((event) => event.table === table);
      if (mine.length === 0) return total;
      // A member whose source schema changed takes the changes before the one that showed it; the
      // lane goes on without it from there.
      const cuts = schemaChanges
        .filter((change) => whole.members.includes(change.model))
        .sort((a, b) => (BigInt(a.event.record.offset) < BigInt(b.event.record.offset) ? -1 : 1));
      let lane = whole;
      let from = -1n;
      for (const cut of [...cuts, null]) {
        const at = cut === null ? null : BigInt(cut.event.record.offset);
        const part = mine.filter((event) => {
          const offset = BigInt(event.record.offset);
          return offset >= from && (at === null || offset < at);
        });
        if (part.length > 0 && lane.members.length > 0) {
          const result = await writer.write(lane, part, context);
          add(total, result);
          if (result.applied > 0)
            for (const model of lane.members) recordedBy.add(readerName(model.name, model.generation));
        }
        if (cut === null) break;
        await schemas.stop(cut.model, cut);
        const kept = lane.members.filter((model) => model !== cut.model);
        lane = { ...lane, members: kept, keys: kept.map((model) => laneMemberKeys(lane, model)) };
        from = at ?? from;
      }
      return total;
    });
    return results.reduce(
      (total, result) => {
        add(total, result);
        return total;
      },
      { applied: 0, duplicates: 0 },
    );
  }

  const schemas = createSchemaWatch({ store, logger, targets: current });

  /** The models (each generation written) a record of this topic concerns. */
  function concernsOf(topic: string): LetterConcern[] {
    const all = current();
    const mine =
      topicOf === undefined || topic === cleanup?.transactionTopic
        ? all
        : all.filter((model) => topicOf(model) === topic);
    return mine.map((model) => ({
      model: model.name,
      table: model.table,
      generation: model.generation ?? 0,
    }));
  }

  /** Marks the archiver's deletes (by replication origin) and those past a declared retention. */
  async function recogniseArchival(events: readonly RowEvent[]): Promise<FoldEvent[]> {
    const byOrigin = (event: RowEvent) => event.source.origin !== null && origins.has(event.source.origin);
    const pastRetention = new Set<RowEvent>();
    for (const [table, judge] of retentionJudges()) {
      const deleted = events.filter((e) => e.kind === 'delete' && e.table === table && !byOrigin(e));
      if (deleted.length === 0) continue;
      const state = await store.readModelState(judge, [...new Set(deleted.map((e) => e.rowKey))]);
      const stored = (rowKey: string) => state.rows.get(rowKey)?.memory ?? null;
      for (const event of deletesPastRetention(events, judge, stored, (e) => !byOrigin(e)))
        pastRetention.add(event);
    }
    return markArchival(events, (event) => byOrigin(event) || pastRetention.has(event));
  }

  /**
   * Asks the guard about each transaction's untagged deletes: `events` are what may be applied
   * now, `waiting` the groups withheld (pending their END, or held for an operator).
   */
  async function admit(
    events: FoldEvent[],
    batch: SourceBatch,
  ): Promise<{ events: FoldEvent[]; waiting: DeleteGroup[] }> {
    if (!guard) return { events, waiting: [] };
    const withheld = new Set<FoldEvent>();
    const decided = new Map<FoldEvent, FoldEvent>();
    const waiting: DeleteGroup[] = [];
    // One script per transaction and table; independent of each other, so asked together.
    const groups = untaggedDeleteGroups(events).filter((group) => threshold(group.table) > 0);
    const admissions = await askGuard(guard, groups);
    groups.forEach((group, index) => {
      const admission = admissions[index];
      if (admission === 'pending' || admission === 'hold') {
        waiting.push(group);
        for (const event of group.events) withheld.add(event);
        if (admission === 'hold') {
          logger.warn(
            {
              topic: batch.topic,
              partition: batch.partition,
              table: group.table,
              txId: group.txId.toString(),
            },
            `a large delete is held for a decision (${group.events.length} deletes in this batch)`,
          );
        }
      } else if (admission === 'archive') {
        for (const event of group.events) decided.set(event, { ...event, archival: true });
      }
    });
    return {
      events: events.filter((event) => !withheld.has(event)).map((event) => decided.get(event) ?? event),
      waiting,
    };
  }

  function askGuard(guard: GuardStore, groups: readonly DeleteGroup[]): Promise<Admission[]> {
    return Promise.all(
      groups.map((group) =>
        guard.admitDeletes(
          group.table,
          group.txId,
          threshold(group.table),
          group.events.map(waitingChangeOf),
        ),
      ),
    );
  }

  /**
   * The deletes withheld from this batch whose END (or operator's decision) came while the batch
   * was written. Whoever read it applied them only to the models that had read their records (see
   * cleanup-actions.ts), and these models had not yet: they are applied here, after the changes
   * before them. (The END's reader records it before it looks at the models' offsets, and this
   * asks after every model recorded this batch's, by its writes or recordReadBy: one of the two
   * sees the other. Applied by both, the second is a duplicate.)
   */
  async function decidedMeanwhile(waiting: readonly DeleteGroup[]): Promise<FoldEvent[]> {
    if (!guard || waiting.length === 0) return [];
    const admissions = await askGuard(guard, waiting);
    return waiting.flatMap((group, index) => {
      const admission = admissions[index];
      if (admission === 'pending' || admission === 'hold') return [];
      return admission === 'archive'
        ? group.events.map((event) => ({ ...event, archival: true }))
        : group.events;
    });
  }

  /**
   * The models of the withheld deletes' tables that wrote nothing of this batch record now that
   * they have read it (the caller records it again after the batch, with catch-up targets):
   * whoever reads the END must find every model past the deletes once this batch is written, or
   * decidedMeanwhile must find the END. Short of the batch's start, Redis lost writes: the batch
   * comes again.
   */
  async function recordReadBy(
    waiting: readonly DeleteGroup[],
    context: WriteContext,
    recordedBy: ReadonlySet<string>,
  ): Promise<void> {
    const { offset } = context;
    if (!offset) return;
    const tables = new Set(waiting.map((group) => group.table));
    const quiet = current().filter(
      (model) => tables.has(model.table) && !recordedBy.has(readerName(model.name, model.generation)),
    );
    const stood = await Promise.all(quiet.map((model) => store.recordRead(model, offset)));
    quiet.forEach((model, i) => {
      const at = stood[i];
      if (at === null || at === undefined) return;
      throw lostWritesError(readerName(model.name, model.generation), BigInt(at), BigInt(offset.first), {
        topic: offset.topic,
        partition: offset.partition,
      });
    });
  }

  async function onTruncate(
    truncate: Truncate,
    letters: DeadLetter[],
    batch: SourceBatch,
  ): Promise<WriteTotals> {
    const none = { applied: 0, duplicates: 0 };
    const policy = cleanup?.rules.truncatePolicy(truncate.table) ?? 'hold';
    const record = batch.records.find((r) => r.offset === truncate.record.offset);
    if (!guard || !actions) {
      if (record)
        letters.push(
          deadLetter(
            record,
            ErrorCode.EventUnsupported,
            `TRUNCATE of ${truncate.table}: no guard to hold it`,
          ),
        );
      return none;
    }
    const change = waitingChangeOf(truncate);
    if (policy === 'hold') {
      const id = await guard.holdTruncate(truncate.table, change);
      logger.warn(
        { topic: batch.topic, partition: batch.partition, offset: truncate.record.offset, id },
        'TRUNCATE held for a decision',
      );
      return none;
    }
    return await actions.applyTruncate(truncate.table, change, policy === 'archive');
  }

  /** END events: pending deletes of small transactions are applied, those of large ones held. */
  async function handleTransactions(batch: SourceBatch, letters: DeadLetter[]): Promise<WriteTotals> {
    const total = { applied: 0, duplicates: 0 };
    if (!guard || !actions) return total;
    for (const record of batch.records) {
      let event: ChangeEvent;
      try {
        event = decodeRecord(record, 'auto', decodeLimits);
      } catch (error) {
        if (!isReadoutError(error) || error.retriable) throw error;
        letters.push(deadLetter(record, error.code, error.message));
        continue;
      }
      if (event.kind !== 'transaction' || event.status !== 'END' || event.txId === null) continue;
      const changed: Record<string, number> = {};
      const thresholds: Record<string, number> = {};
      for (const { dataCollection, eventCount } of event.dataCollections ?? []) {
        changed[dataCollection] = eventCount;
        thresholds[dataCollection] = threshold(dataCollection) || Number.MAX_SAFE_INTEGER;
      }
      for (const { table, deletes } of await guard.recordEnd(event.txId, changed, {
        '*': Number.MAX_SAFE_INTEGER,
        ...thresholds,
      })) {
        const result = await actions.applyDeletes(table, deletes, false);
        total.applied += result.applied;
        total.duplicates += result.duplicates;
        await guard.clearPending(table, event.txId, deletes);
      }
    }
    return total;
  }

  function decodeSegments(batch: SourceBatch, letters: DeadLetter[], timing: DecodeTiming): Segment[] {
    const segments: Segment[] = [];
    let events: RowEvent[] = [];
    for (const record of batch.records) {
      try {
        const event = timing.decode(record);
        if (isRowEvent(event)) events.push(event);
        else if (event.kind === 'truncate') {
          segments.push({ events, truncate: event });
          events = [];
        }
      } catch (error) {
        if (!isReadoutError(error) || error.retriable) throw error;
        letters.push(deadLetter(record, error.code, error.message));
      }
    }
    segments.push({ events, truncate: null });
    return segments;
  }

  /**
   * The steps each segment of a batch goes through, in order. The guard's two steps are there only
   * when a guard is: it withholds untagged deletes before the write and settles them after it.
   */
  const segmentSteps: readonly SegmentStep[] = [
    judgeStep,
    archivalStep,
    ...(guard ? [guardStep] : []),
    writeStep,
    ...(guard ? [settleWithheldStep] : []),
    truncateStep,
  ];

  /** One verdict per record for every model of its table; refused records are dead-lettered. */
  async function judgeStep(work: SegmentWork, { context, letters }: BatchWork): Promise<void> {
    await schemas.learn(work.segment.events);
    const verdicts = judgeEvents(work.segment.events, current(), schemas.known, context.remembered);
    for (const { event, reasons } of verdicts.refused) {
      const record = context.records.get(event.record.offset);
      if (record) letters.push(deadLetter(record, ErrorCode.EventMalformed, reasons.join('; ')));
    }
    work.admitted = verdicts.admitted;
    work.schemaChanges = verdicts.schemaChanges;
  }

  /** Archival deletes (by replication origin, or past a declared retention) are marked as such. */
  async function archivalStep(work: SegmentWork): Promise<void> {
    work.events = await recogniseArchival(work.admitted);
  }

  /** Untagged deletes of large transactions wait for their END, or for an operator. */
  async function guardStep(work: SegmentWork, { part }: BatchWork): Promise<void> {
    const { events, waiting } = await admit(work.events, part);
    work.events = events;
    work.waiting = waiting;
  }

  async function writeStep(work: SegmentWork, { context, recordedBy }: BatchWork): Promise<void> {
    add(work.written, await writeAll(work.events, context, recordedBy, work.schemaChanges));
  }

  /** Withheld deletes whose END came while the batch was written are applied after it. */
  async function settleWithheldStep(work: SegmentWork, { context, recordedBy }: BatchWork): Promise<void> {
    if (work.waiting.length === 0) return;
    await recordReadBy(work.waiting, context, recordedBy);
    const late = await decidedMeanwhile(work.waiting);
    if (late.length > 0) add(work.written, await writeAll(late, context, recordedBy, work.schemaChanges));
  }

  /** A TRUNCATE ends its segment: held, or applied as its policy says, after the rows before it. */
  async function truncateStep(work: SegmentWork, { part, letters }: BatchWork): Promise<void> {
    if (work.segment.truncate) add(work.written, await onTruncate(work.segment.truncate, letters, part));
  }

  /**
   * Applies `records`, all of `batch` or some of them: the offsets recorded with the models are
   * the whole batch's (the partition is read past it once this resolves).
   */
  async function handleRecords(batch: SourceBatch, records: readonly RawRecord[]): Promise<BatchStats> {
    const part: SourceBatch = { ...batch, records: [...records] };
    const timing = decodeTiming(decodeLimits, logger);
    const letters: DeadLetter[] = [];
    const total = { applied: 0, duplicates: 0 };
    const commitTimesMs: number[] = [];
    const recordedBy = new Set<string>();
    if (cleanup && batch.topic === cleanup.transactionTopic) {
      Object.assign(total, await handleTransactions(part, letters));
    } else {
      const last = batch.records[batch.records.length - 1];
      const context: WriteContext = {
        offset: {
          topic: batch.topic,
          partition: batch.partition,
          first: batch.records[0]?.offset ?? '0',
          next: (BigInt(last?.offset ?? '-1') + 1n).toString(),
        },
        records: new Map(records.map((record) => [record.offset, record])),
        letters,
        remembered: new RememberedRows(),
      };
      const batchWork: BatchWork = { part, context, recordedBy, letters };
      for (const segment of timing.measure(() => decodeSegments(part, letters, timing))) {
        for (const event of segment.events) commitTimesMs.push(Number(event.source.commitTimeMs));
        const work: SegmentWork = {
          segment,
          admitted: [],
          events: [],
          waiting: [],
          schemaChanges: [],
          written: { applied: 0, duplicates: 0 },
        };
        for (const step of segmentSteps) await step(work, batchWork);
        total.applied += work.written.applied;
        total.duplicates += work.written.duplicates;
      }
    }
    await keepDeadLetters(letters);
    return {
      ...total,
      deadLettered: letters.length,
      commitTimesMs,
      recordedBy,
      slowestDecodeMs: timing.slowestMs,
    };
  }

  /** Kept before the offset is committed (the caller commits after the batch resolves). */
  async function keepDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    await store.recordDeadLetters(
      letters.map((letter) => (letter.concerns ? letter : { ...letter, concerns: concernsOf(letter.topic) })),
    );
    for (const letter of letters) {
      logger.warn(
        { topic: letter.topic, partition: letter.partition, offset: letter.offset, code: letter.code },
        `dead-lettered: ${letter.reason}`,
      );
    }
  }

  return {
    actions,
    handleBatch: withBoundedRetries({
      handle: handleRecords,
      setAside: async (record, code, reason) => keepDeadLetters([deadLetter(record, code, reason)]),
      logger,
    }),
  };
}
