import type { RawRecord } from '../decode/index.js';

/** Records of one topic partition, in offset order. */
export interface SourceBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly RawRecord[];
}

/**
 * A stream of record batches with at-least-once delivery. A batch's offsets are committed only
 * after the handler's promise resolves; if it rejects, the batch is delivered again.
 */
export interface ChangeSource {
  start(handle: (batch: SourceBatch) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}
