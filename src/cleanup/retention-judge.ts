import type { RowEvent } from '../decode/index.ts';
import type { CompiledModel, MemoryRow } from '../projection/index.ts';

type Judge = Pick<CompiledModel, 'table' | 'remember' | 'isPastArchivalRetention'>;

/**
 * The deletes of `judge.table` whose row is past the table's declared archival retention, judged
 * from the row as it was just before the delete: its latest create, update or snapshot read
 * earlier in the same batch, else what Redis remembers (`stored`). Looking inside the batch makes
 * the answer the same however the stream is cut into batches: a replay that reads a row's create
 * and its delete in one batch judges it as a live projector that saw them apart did.
 */
export function deletesPastRetention(
  events: readonly RowEvent[],
  judge: Judge,
  stored: (rowKey: string) => MemoryRow | null,
  considered: (event: RowEvent) => boolean,
): Set<RowEvent> {
  const past = new Set<RowEvent>();
  // Per row key, its memory as of the event being looked at (null: deleted earlier in the batch).
  const seen = new Map<string, MemoryRow | null>();
  for (const event of events) {
    if (event.table !== judge.table) continue;
    const before = seen.has(event.rowKey) ? (seen.get(event.rowKey) ?? null) : stored(event.rowKey);
    if (event.kind === 'delete') {
      if (considered(event) && before && judge.isPastArchivalRetention(before, event.source.commitTimeMs))
        past.add(event);
      seen.set(event.rowKey, null);
      continue;
    }
    try {
      seen.set(event.rowKey, judge.remember(event.after, before));
    } catch {
      // A row the models cannot remember is rejected by the fold; it cannot be judged old.
      seen.set(event.rowKey, null);
    }
  }
  return past;
}
