import type { FoldEvent } from '../projection/index.ts';
import type { BatchOffset } from '../store/index.ts';

/**
 * How a lane's large batch is cut for applyInChunks (lane-writer.ts): chunks of whole records,
 * each with the offsets it covers, so that every chunk's script records where the next begins.
 */

/** The promise's outcome, never rejected: a failure is kept to be seen later. */
export function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}

/** Events per chunk when a lane's batch is applied in chunks (applyInChunks). */
export const CHUNK_EVENTS = 256;

export interface Chunk {
  readonly events: readonly FoldEvent[];
  /** From where the chunk before it ends (the batch's first offset for the first) to where the next begins. */
  readonly offset: BatchOffset;
}

/** Cuts a lane's events (in record order) into chunks of about CHUNK_EVENTS, never inside a record. */
export function chunksOf(events: readonly FoldEvent[], offset: BatchOffset): Chunk[] {
  const cuts: FoldEvent[][] = [];
  let current: FoldEvent[] = [];
  for (const event of events) {
    const last = current.at(-1);
    if (current.length >= CHUNK_EVENTS && last && last.record.offset !== event.record.offset) {
      cuts.push(current);
      current = [];
    }
    current.push(event);
  }
  if (current.length > 0) cuts.push(current);
  let first = offset.first;
  return cuts.map((chunkEvents, i) => {
    const lastOffset = chunkEvents.at(-1)?.record.offset ?? first;
    const next = i === cuts.length - 1 ? offset.next : (BigInt(lastOffset) + 1n).toString();
    const chunk = { events: chunkEvents, offset: { ...offset, first, next } };
    first = next;
    return chunk;
  });
}
