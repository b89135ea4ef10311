import type { RawRecord } from '../decode/index.ts';

/** Records of one topic partition, in offset order. */
export interface SourceBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly RawRecord[];
  /** The partition's end when the batch was fetched: the offset the next new record will get. */
  readonly highWatermark: string;
}

/** What a handler may ask instead of going on: read the partition again from `offset`. */
export interface Rewind {
  readonly rewindTo: string;
}

/** A partition this consumer reads, with its retained range: [low, high). */
export interface PartitionRange {
  readonly topic: string;
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/**
 * A stream of record batches with at-least-once delivery. A batch's offsets are committed only
 * after the handler's promise resolves; if it rejects, the batch is delivered again.
 */
export interface ChangeSource {
  /** Delivers batches; a handler that resolves with a Rewind makes the partition read again. */
  start(handle: (batch: SourceBatch) => Promise<void | Rewind>): Promise<void>;
  /** Which of the source topics exist now (Debezium creates a table's topic with its first change). */
  existingTopics(): Promise<string[]>;
  /** The partitions assigned to this consumer now, with their retained ranges. */
  assigned(): Promise<PartitionRange[]>;
  /** Every partition of the existing source topics (assigned or not), with its retained range. */
  ranges(): Promise<PartitionRange[]>;
  /** The retained range of one partition (assigned or not). */
  range(topic: string, partition: number): Promise<PartitionRange>;
  /** Reads an assigned partition again from `offset` (its next batch starts there). */
  seek(topic: string, partition: number, offset: string): void;
  /**
   * Consumes these topics from now on (a reload of the definitions): the consumer restarts inside
   * the process when the existing ones among them differ from those it reads. Resolves once it has.
   */
  setTopics(topics: readonly string[]): Promise<void>;
  /** Whether the consumer group has ever committed an offset on one of the source topics. */
  groupHasCommitted(): Promise<boolean>;
  /** Fetches no more batches; resolves once the batch in flight is handled and committed. */
  pause(): Promise<void>;
  stop(): Promise<void>;
}
