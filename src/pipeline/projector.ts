import {
  decodeRecord,
  isRowEvent,
  type ChangeEvent,
  type RawRecord,
  type RowEvent,
} from '../decode/index.js';
import { ErrorCode, ReadoutError, isReadoutError } from '../errors/index.js';
import type { SourceBatch } from '../ingest/index.js';
import type { Logger } from '../log/logger.js';
import { foldBatch, type ReadModel } from '../projection/index.js';
import type { DeadLetter, ReadModelStore } from '../store/index.js';

export interface ProjectorDeps {
  readonly model: ReadModel;
  readonly store: ReadModelStore;
  readonly logger: Logger;
}

export interface BatchStats {
  readonly applied: number;
  readonly duplicates: number;
  readonly deadLettered: number;
}

export interface Projector {
  /** Folds and applies one partition batch; resolves once Redis has acknowledged it. */
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
 * The projector: decode → fold → apply, per partition batch. Poison records are dead-lettered
 * with their reason and position and the partition keeps flowing; transient failures reject the
 * batch so it is delivered again (the fold makes redelivery harmless).
 */
export function createProjector({ model, store, logger }: ProjectorDeps): Projector {
  return {
    async handleBatch(batch) {
      const letters: DeadLetter[] = [];
      const rowEvents: RowEvent[] = [];
      const byOffset = new Map(batch.records.map((record) => [record.offset, record]));

      for (const record of batch.records) {
        let event: ChangeEvent;
        try {
          event = decodeRecord(record);
        } catch (error) {
          if (!isReadoutError(error) || error.retriable) throw error;
          letters.push(deadLetter(record, error.code, error.message));
          continue;
        }
        if (isRowEvent(event) && event.table === model.table) rowEvents.push(event);
        else if (event.kind === 'truncate' && event.table === model.table) {
          letters.push(
            deadLetter(
              record,
              ErrorCode.EventUnsupported,
              'TRUNCATE is held for an operator (not applied yet)',
            ),
          );
        }
      }

      let attempt = 0;
      for (;;) {
        const rowKeys = [...new Set(rowEvents.map((event) => event.rowKey))];
        const stored = await store.readRows(model.name, rowKeys);
        const fold = foldBatch(model, rowEvents, stored);
        for (const { event, reason } of fold.rejected) {
          const record = byOffset.get(event.record.offset);
          if (record) letters.push(deadLetter(record, ErrorCode.EventMalformed, reason));
        }
        // Dead letters first: once the offset is committed they must already be kept.
        await store.recordDeadLetters(letters);
        if (fold.rows.size === 0) {
          return { applied: 0, duplicates: fold.duplicates, deadLettered: letters.length };
        }
        const last = batch.records[batch.records.length - 1];
        const outcome = await store.applyBatch(model.name, {
          fold,
          offset: {
            topic: batch.topic,
            partition: batch.partition,
            next: (BigInt(last?.offset ?? '0') + 1n).toString(),
          },
        });
        if (outcome.kind === 'applied') {
          logger.debug(
            {
              topic: batch.topic,
              partition: batch.partition,
              offset: last?.offset,
              version: outcome.version.toString(),
            },
            `applied ${fold.applied} changes (${fold.duplicates} duplicates)`,
          );
          for (const letter of letters) {
            logger.warn(
              { topic: letter.topic, partition: letter.partition, offset: letter.offset },
              `dead-lettered: ${letter.reason}`,
            );
          }
          return { applied: fold.applied, duplicates: fold.duplicates, deadLettered: letters.length };
        }
        attempt += 1;
        logger.warn(
          { topic: batch.topic, partition: batch.partition, rowKey: outcome.rowKey },
          'row moved under us; folding again',
        );
        if (attempt >= MAX_CONFLICT_RETRIES) {
          throw new ReadoutError(
            ErrorCode.StoreConflict,
            `row ${outcome.rowKey} kept moving: another writer owns it`,
            {
              retriable: true,
              details: { topic: batch.topic, partition: batch.partition, attempt },
            },
          );
        }
        letters.length = letters.length - fold.rejected.length;
      }
    },
  };
}
