import { decodeRecord, isRowEvent, type RawRecord, type RowEvent } from '../decode/index.js';
import { ErrorCode, ReadoutError, isReadoutError } from '../errors/index.js';
import type { SourceBatch } from '../ingest/index.js';
import type { Logger } from '../log/logger.js';
import { foldBatch, snapshotSweep, splitAtSnapshotEnds, type CompiledModel } from '../projection/index.js';
import type { DeadLetter, ReadModelStore } from '../store/index.js';

export interface ProjectorDeps {
  readonly models: readonly CompiledModel[];
  readonly store: ReadModelStore;
  readonly logger: Logger;
}

export interface BatchStats {
  readonly applied: number;
  readonly duplicates: number;
  readonly deadLettered: number;
}

export interface Projector {
  /** Folds and applies one partition batch to every model of its table; resolves once Redis acknowledged. */
  handleBatch(batch: SourceBatch): Promise<BatchStats>;
}

const MAX_CONFLICT_RETRIES = 5;

function deadLetter(record: RawRecord, code: string, reason: string): DeadLetter {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    code,
    reason,
    key: record.key?.toString('utf8') ?? null,
    value: record.value?.toString('utf8') ?? null,
  };
}

/**
 * The projector: decode → fold → apply, per partition batch and read model. Poison records are
 * dead-lettered with their reason and position and the partition keeps flowing; transient
 * failures reject the batch so it is delivered again (the fold makes redelivery harmless).
 */
export function createProjector({ models, store, logger }: ProjectorDeps): Projector {
  async function applyModel(
    model: CompiledModel,
    events: readonly RowEvent[],
    batch: SourceBatch,
    letters: DeadLetter[],
    byOffset: ReadonlyMap<string, RawRecord>,
  ): Promise<{ applied: number; duplicates: number }> {
    const rowKeys = [...new Set(events.map((event) => event.rowKey))];
    const last = batch.records[batch.records.length - 1];
    const next = (BigInt(last?.offset ?? '0') + 1n).toString();
    for (let attempt = 1; ; attempt += 1) {
      const state = await store.readModelState(model, rowKeys);
      const fold = foldBatch(model, events, state);
      const rejected = fold.rejected.flatMap(({ event, reason }) => {
        const record = byOffset.get(event.record.offset);
        return record ? [deadLetter(record, ErrorCode.EventMalformed, `${model.name}: ${reason}`)] : [];
      });
      if (fold.rows.size === 0) {
        letters.push(...rejected);
        await store.countDuplicates(model, fold.duplicates);
        return { applied: 0, duplicates: fold.duplicates };
      }
      const outcome = await store.applyBatch(model, {
        fold,
        offset: { topic: batch.topic, partition: batch.partition, next },
      });
      if (outcome.kind === 'applied') {
        letters.push(...rejected);
        return { applied: fold.applied, duplicates: fold.duplicates };
      }
      logger.warn(
        { topic: batch.topic, partition: batch.partition, model: model.name, rowKey: outcome.rowKey },
        'row moved under us; folding again',
      );
      if (attempt >= MAX_CONFLICT_RETRIES) {
        throw new ReadoutError(
          ErrorCode.StoreConflict,
          `row ${outcome.rowKey} of ${model.name} kept moving: another writer owns it`,
          {
            retriable: true,
            details: { topic: batch.topic, partition: batch.partition, attempt },
          },
        );
      }
    }
  }

  /** Applies a model's events of one batch; after each snapshot end, deletes the rows it missed. */
  async function applySegments(
    model: CompiledModel,
    events: readonly RowEvent[],
    batch: SourceBatch,
    letters: DeadLetter[],
    byOffset: ReadonlyMap<string, RawRecord>,
  ): Promise<{ applied: number; duplicates: number }> {
    const total = { applied: 0, duplicates: 0 };
    for (const segment of splitAtSnapshotEnds(events)) {
      const result = await applyModel(model, segment.events, batch, letters, byOffset);
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
        if (deletes.length > 0) swept += (await applyModel(model, deletes, batch, letters, byOffset)).applied;
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
  }

  return {
    async handleBatch(batch) {
      const letters: DeadLetter[] = [];
      const rowEvents: RowEvent[] = [];
      const byOffset = new Map(batch.records.map((record) => [record.offset, record]));
      for (const record of batch.records) {
        try {
          const event = decodeRecord(record);
          if (isRowEvent(event)) rowEvents.push(event);
          else if (event.kind === 'truncate') {
            letters.push(
              deadLetter(
                record,
                ErrorCode.EventUnsupported,
                `TRUNCATE of ${event.table} is held for an operator (not applied)`,
              ),
            );
          }
        } catch (error) {
          if (!isReadoutError(error) || error.retriable) throw error;
          letters.push(deadLetter(record, error.code, error.message));
        }
      }
      const results = await Promise.all(
        models.map((model) => {
          const events = rowEvents.filter((event) => event.table === model.table);
          return events.length === 0
            ? Promise.resolve({ applied: 0, duplicates: 0 })
            : applySegments(model, events, batch, letters, byOffset);
        }),
      );
      // Kept before the offset is committed (the caller commits after this resolves).
      await store.recordDeadLetters(letters);
      for (const letter of letters) {
        logger.warn(
          { topic: letter.topic, partition: letter.partition, offset: letter.offset, code: letter.code },
          `dead-lettered: ${letter.reason}`,
        );
      }
      return {
        applied: results.reduce((sum, r) => sum + r.applied, 0),
        duplicates: results.reduce((sum, r) => sum + r.duplicates, 0),
        deadLettered: letters.length,
      };
    },
  };
}
