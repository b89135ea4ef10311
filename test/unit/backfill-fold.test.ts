/**
 * A backfill (Debezium's incremental snapshot) as it really arrived, with changes streaming
 * meanwhile (test/fixtures/capture-backfill.ts): a row updated before its read, a row deleted
 * before it would have been read, rows inserted during and after, a row updated after its read.
 * Folded in Kafka order, however batched, and with every read delivered again (a backfill that
 * restarted), the model equals a fresh computation over the table's final rows as SQL had them.
 */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { decodeRecord, isRowEvent, type RowEvent } from '../../src/decode/index.ts';
import { readModelDefinition } from '../../src/definitions/index.ts';
import {
  compileModel,
  foldBatch,
  positionOf,
  splitAtSnapshotEnds,
  type CompiledModel,
} from '../../src/projection/index.ts';
import { MemoryStore } from '../support/memory-store.ts';
import { referenceAggregate, type SourceRow } from '../support/reference-aggregate.ts';

interface Captured {
  readonly topic: string;
  readonly offset: string;
  readonly key: unknown;
  readonly value: unknown;
}

const captured = parse(
  readFileSync(new URL('../fixtures/sequences/backfill.json', import.meta.url), 'utf8'),
) as { finalRows: SourceRow[]; records: Captured[] };

const text = (part: unknown) => (part === null ? null : Buffer.from(stringify(part) ?? 'null'));

/** The captured records decoded, at their own offsets plus `shift` (a later delivery). */
function events(records: readonly Captured[], shift = 0n): RowEvent[] {
  return records.flatMap((record) => {
    const event = decodeRecord({
      topic: record.topic,
      partition: 0,
      offset: (BigInt(record.offset) + shift).toString(),
      key: text(record.key),
      value: text(record.value),
    });
    return isRowEvent(event) ? [event] : [];
  });
}

const byKind = compileModel(
  readModelDefinition.parse({
    name: 'backfill_by_kind',
    source: 'public.fixture_backfill',
    dimensions: [{ column: 'kind' }],
    measures: [
      { name: 'rows', type: 'count' },
      { name: 'amount', type: 'sum', column: 'amount', scale: 6 },
      { name: 'smallest', type: 'min', column: 'amount', scale: 6 },
    ],
  }),
);

function project(model: CompiledModel, delivered: readonly RowEvent[], batchSize: number): MemoryStore {
  const store = new MemoryStore(model);
  for (let at = 0; at < delivered.length; at += batchSize) {
    for (const segment of splitAtSnapshotEnds(delivered.slice(at, at + batchSize))) {
      // A backfill's reads never end a snapshot: no sweep may delete the rows not read yet.
      expect(segment.end).toBeNull();
      store.apply(foldBatch(model, segment.events, store.state()));
    }
  }
  return store;
}

const expected = referenceAggregate(byKind.definition, captured.finalRows);
const stream = events(captured.records);
const recordOf = (event: RowEvent): Captured => {
  const found = captured.records.find((r) => BigInt(r.offset) * 2n === BigInt(event.record.offset));
  if (!found) throw new Error(`no captured record at ${event.record.offset}`);
  return found;
};
const reads = stream.filter((event) => event.kind === 'read');

describe('a backfill folded with the changes that streamed meanwhile', () => {
  it('the captured events: reads marked incremental, without a transaction, after or instead of streamed changes', () => {
    expect(reads.length).toBeGreaterThan(10);
    for (const read of reads) {
      expect(read.source.snapshot).toBe('incremental');
      expect(read.source.txId).toBeNull();
      expect(positionOf(read).snapshot).toBe(true);
    }
    // Streamed changes leave source.snapshot null (not "false").
    for (const change of stream.filter((event) => event.kind !== 'read'))
      expect(change.source.snapshot).toBeNull();
    const kinds = (rowKey: string) => stream.filter((e) => e.rowKey === rowKey).map((e) => e.kind);
    const keyOf = (id: number) => `id=${id}`;
    // What the capture set up: a change before the row's read, a delete that was never read, a
    // change after the read.
    expect(kinds(keyOf(20))).toEqual(['update', 'read']);
    expect(kinds(keyOf(19))).toEqual(['delete']);
    expect(kinds(keyOf(1))).toEqual(['read', 'update']);
  });

  it.each([1, 3, 1000])('equals a fresh computation over the final rows (batches of %i)', (size) => {
    expect(project(byKind, stream, size).view()).toEqual(expected);
  });

  it('counts nothing twice when a chunk of reads is sent again, or everything is redelivered', () => {
    // Kafka Connect re-sending what it had not acknowledged: each read twice, one after the other.
    const twice = events(
      captured.records.map((r) => ({ ...r, offset: String(BigInt(r.offset) * 2n) })),
    ).flatMap((event) =>
      event.kind === 'read'
        ? [event, ...events([{ ...recordOf(event), offset: String(BigInt(event.record.offset) + 1n) }])]
        : [event],
    );
    expect(twice.length).toBe(stream.length + reads.length);
    expect(project(byKind, twice, 4).view()).toEqual(expected);
    // A crash replays everything since the last flushed offset, in order, at new offsets (a
    // restarted backfill reads its chunk again from the table, so it is as fresh as its window).
    const redelivered = [...stream, ...events(captured.records, 2000n)];
    expect(project(byKind, redelivered, 5).view()).toEqual(expected);
  });

  it('a read does not override a later streamed change of its row, and a later change overrides the read', () => {
    const fold = foldBatch(byKind, stream, { rows: new Map(), maxCommitTimeMs: null });
    const last = (id: number) => fold.rows.get(`id=${id}`)?.next;
    expect(last(1)?.memory?.amount).toBe(captured.finalRows.find((row) => row.id === '1')?.amount);
    expect(last(20)?.memory?.amount).toBe(captured.finalRows.find((row) => row.id === '20')?.amount);
  });

  it("reads do not move the model's newest applied source change", () => {
    const onlyReads = foldBatch(byKind, reads, { rows: new Map(), maxCommitTimeMs: null });
    expect(onlyReads.applied).toBe(reads.length);
    expect(onlyReads.lastSource).toBeNull();
    const all = foldBatch(byKind, stream, { rows: new Map(), maxCommitTimeMs: null });
    expect(all.lastSource?.txId).not.toBeNull();
  });
});
