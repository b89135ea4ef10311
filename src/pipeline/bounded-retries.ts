import { ErrorCode, describeError, isReadoutError } from '../errors/index.ts';
import type { RawRecord } from '../decode/index.ts';
import type { SourceBatch } from '../ingest/index.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchStats } from './projector.ts';

/**
 * How many times a batch may fail for a reason other than a passing outage before its records are
 * applied one at a time (a failure that repeats would otherwise stop the partition for good).
 */
const MAX_ATTEMPTS = 3;

/** An outage that passes (Redis or Kafka unreachable, a rebuild's switch, lost writes to replay). */
function isPassing(error: unknown): boolean {
  return isReadoutError(error) && error.retriable;
}

export interface BoundedRetriesDeps {
  /** Applies `records` (all of `batch`, or some): the batch's offsets are recorded with them. */
  readonly handle: (batch: SourceBatch, records: readonly RawRecord[]) => Promise<BatchStats>;
  /** Dead-letters a record that failed on its own. */
  readonly setAside: (record: RawRecord, code: string, reason: string) => Promise<void>;
  readonly logger: Logger;
}

/**
 * Handles batches so that the partition never stands still on one record: an outage that passes
 * is thrown (the batch is delivered again, as often as it takes); any other failure is thrown
 * MAX_ATTEMPTS - 1 times, then the batch is applied a record at a time and the record that fails
 * is set aside with the error as its reason (RECORD_FAILED, or the error's own code).
 */
export function withBoundedRetries({
  handle,
  setAside,
  logger,
}: BoundedRetriesDeps): (batch: SourceBatch) => Promise<BatchStats> {
  /**
   * After a batch failed MAX_ATTEMPTS times for a reason that is not a passing outage: its
   * records one at a time, so that the one that fails is set aside (with the error as its reason)
   * and the partition moves on. Outages still stop the batch (it is delivered again).
   */
  async function handleOneByOne(batch: SourceBatch): Promise<BatchStats> {
    const total = { applied: 0, duplicates: 0, deadLettered: 0, slowestDecodeMs: 0 };
    const commitTimesMs: number[] = [];
    const recordedBy = new Set<string>();
    for (const record of batch.records) {
      try {
        const stats = await handle(batch, [record]);
        total.applied += stats.applied;
        total.duplicates += stats.duplicates;
        total.deadLettered += stats.deadLettered;
        total.slowestDecodeMs = Math.max(total.slowestDecodeMs, stats.slowestDecodeMs);
        commitTimesMs.push(...stats.commitTimesMs);
        for (const reader of stats.recordedBy) recordedBy.add(reader);
      } catch (error) {
        if (isPassing(error)) throw error;
        const code = isReadoutError(error) ? error.code : ErrorCode.RecordFailed;
        await setAside(record, code, `failed ${MAX_ATTEMPTS} times, then alone: ${describeError(error)}`);
        total.deadLettered += 1;
      }
    }
    return { ...total, commitTimesMs, recordedBy };
  }

  // Consecutive failures per batch ("topic/partition/first offset").
  const failures = new Map<string, number>();

  return async (batch) => {
    const key = `${batch.topic}/${batch.partition}/${batch.records[0]?.offset ?? ''}`;
    try {
      const stats = await handle(batch, batch.records);
      failures.delete(key);
      return stats;
    } catch (error) {
      if (isPassing(error)) throw error;
      const attempts = (failures.get(key) ?? 0) + 1;
      if (failures.size > 1000) failures.clear();
      failures.set(key, attempts);
      if (attempts < MAX_ATTEMPTS) throw error;
      failures.delete(key);
      logger.error(
        { err: error, topic: batch.topic, partition: batch.partition, attempts },
        'a batch kept failing for the same reason: applying its records one at a time to set aside the one that fails',
      );
      return await handleOneByOne(batch);
    }
  };
}
