import { describe, expect, it } from 'vitest';
import type { FoldEvent } from '../../src/projection/index.ts';
import { CHUNK_EVENTS, chunksOf } from '../../src/pipeline/lane-chunks.ts';

/** Events at the given record offsets (only their record is read when cutting). */
const eventsAt = (offsets: number[]): FoldEvent[] =>
  offsets.map(
    (offset) => ({ record: { topic: 't', partition: 0, offset: String(offset) } }) as unknown as FoldEvent,
  );

const batch = { topic: 't', partition: 0, first: '100', next: '2000' };

describe('cutting a lane batch into chunks', () => {
  it('covers the batch with chained offsets and never cuts inside a record', () => {
    // Record offsets with gaps (other tables' records) and a record that carries two events at a boundary.
    const offsets = Array.from({ length: 3 * CHUNK_EVENTS }, (_, i) => 100 + 2 * i);
    offsets.splice(CHUNK_EVENTS, 0, offsets[CHUNK_EVENTS - 1] ?? 0);
    const chunks = chunksOf(eventsAt(offsets), batch);
    expect(chunks.length).toBe(3);
    expect(chunks.flatMap((chunk) => chunk.events).map((e) => Number(e.record.offset))).toEqual(offsets);
    expect(chunks[0]?.offset.first).toBe('100');
    expect(chunks.at(-1)?.offset.next).toBe('2000');
    chunks.forEach((chunk, i) => {
      const next = chunks[i + 1];
      if (next) {
        expect(next.offset.first).toBe(chunk.offset.next);
        // The next chunk begins after this one's last record, and not inside it.
        expect(BigInt(chunk.offset.next)).toBe(BigInt(chunk.events.at(-1)?.record.offset ?? '') + 1n);
        expect(next.events[0]?.record.offset).not.toBe(chunk.events.at(-1)?.record.offset);
      }
    });
  });

  it('keeps a batch smaller than a chunk whole', () => {
    expect(chunksOf(eventsAt([5, 6, 7]), batch)).toEqual([{ events: eventsAt([5, 6, 7]), offset: batch }]);
  });
});
