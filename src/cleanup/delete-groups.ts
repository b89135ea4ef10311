import type { FoldEvent } from '../projection/index.ts';

/** One transaction's untagged deletes of one table, in a batch. */
export interface DeleteGroup {
  readonly table: string;
  readonly txId: bigint;
  readonly events: FoldEvent[];
}

/**
 * Marks deletes archival when `isArchival` says so (a tagged transaction, a row past its declared
 * retention); other events pass unchanged.
 */
export function markArchival(
  events: readonly FoldEvent[],
  isArchival: (event: FoldEvent & { kind: 'delete' }) => boolean,
): FoldEvent[] {
  return events.map((event) =>
    event.kind === 'delete' && event.archival !== true && isArchival(event)
      ? { ...event, archival: true }
      : event,
  );
}

/**
 * The deletes the mass-delete guard must see: untagged ones inside a transaction, grouped by table
 * and transaction, in the order they came. (A delete without a transaction id cannot be matched
 * with its END: it is applied as it comes.)
 */
export function untaggedDeleteGroups(events: readonly FoldEvent[]): DeleteGroup[] {
  const groups = new Map<string, DeleteGroup>();
  for (const event of events) {
    if (event.kind !== 'delete' || event.archival === true || event.source.txId === null) continue;
    const key = `${event.table}|${event.source.txId}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { table: event.table, txId: event.source.txId, events: [] }));
    group.events.push(event);
  }
  return [...groups.values()];
}
