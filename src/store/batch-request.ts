import { encodePosition, type CompiledModel, type FoldResult } from '../projection/index.ts';
import type { ModelKeys } from './keys.ts';
import type { BatchOffset } from './redis-store.ts';
import { encodeStoredRow } from './stored-row.ts';

/**
 * Builds the apply script's KEYS, aggregate request and row triples from a fold. The fixed keys come first; every
 * aggregate key is listed once in KEYS and referred to by index, so the script declares all it
 * writes (one hash slot: they share the model's tag).
 */
export function buildApplyRequest(
  model: CompiledModel,
  keys: ModelKeys,
  fold: FoldResult,
  offset: BatchOffset | null,
  readPast: ReadonlyMap<string, string> = new Map(),
): { keys: string[]; request: unknown; rows: string[] } {
  const keyList = [keys.rows, keys.meta, keys.offsets, keys.buckets, keys.generations];
  const indexOf = new Map<string, number>();
  const ref = (key: string): number => {
    let index = indexOf.get(key);
    if (index === undefined) {
      keyList.push(key);
      index = keyList.length; // Lua's KEYS is 1-based
      indexOf.set(key, index);
    }
    return index;
  };
  const keysByBucket = new Map<string, Set<number>>();
  const touch = (bucket: string | null, index: number) => {
    if (bucket === null) return;
    let set = keysByBucket.get(bucket);
    if (!set) keysByBucket.set(bucket, (set = new Set()));
    set.add(index);
  };

  // Grouped per hash, so the script reads each hash's stored totals with one HMGET.
  const countersByKey = new Map<number, Array<[string, string, number, string]>>();
  for (const c of fold.deltas.counters.values()) {
    const index = ref(keys.counters(c.bucket));
    touch(c.bucket, index);
    const measure = model.top?.measure ?? '';
    const rankIndex = c.rankGroup === null ? 0 : ref(keys.ranking(measure, c.bucket));
    if (rankIndex > 0) touch(c.bucket, rankIndex);
    let changes = countersByKey.get(index);
    if (!changes) countersByKey.set(index, (changes = []));
    changes.push([c.field, c.delta.toString(), rankIndex, c.rankGroup ?? '']);
  }
  const counters = [...countersByKey];
  // Grouped per sorted set, so the script makes one ZREM and one ZADD per set, not one per row.
  const extremesByKey = new Map<number, { removed: string[]; added: string[] }>();
  for (const e of fold.deltas.extremes.values()) {
    const index = ref(keys.extremes(e.measure, e.bucket, e.group));
    touch(e.bucket, index);
    let changes = extremesByKey.get(index);
    if (!changes) extremesByKey.set(index, (changes = { removed: [], added: [] }));
    if (e.present) changes.added.push(e.score, e.member);
    else changes.removed.push(e.member);
  }
  const extremes = [...extremesByKey].map(([index, { removed, added }]) => [index, removed, added]);
  const distincts = [...fold.deltas.distincts.values()].map((d) => {
    const index = ref(keys.distinct(d.measure, d.bucket, d.group));
    touch(d.bucket, index);
    return [index, d.value, d.delta.toString()];
  });
  const buckets = [...fold.deltas.buckets].map(([label, startMs]) => [
    label,
    startMs,
    ref(keys.bucketKeys(label)),
    ...(keysByBucket.get(label) ?? []),
  ]);

  const request = {
    model: model.name,
    generation: String(model.generation ?? 0),
    counters,
    extremes,
    distincts,
    buckets,
    ...(fold.retainFromMs === null ? {} : { retainFrom: String(fold.retainFromMs) }),
    source: {
      lsn: fold.lastSource?.lsn.toString() ?? '',
      txId: fold.lastSource?.txId?.toString() ?? '',
      commitTimeMs: fold.lastSource?.commitTimeMs.toString() ?? '',
    },
    maxCommitTimeMs: fold.maxCommitTimeMs?.toString() ?? '',
    applied: String(fold.applied),
    duplicates: String(fold.duplicates),
    ...(offset === null
      ? {}
      : {
          offset: {
            partition: `${offset.topic}/${offset.partition}`,
            first: offset.first,
            next: offset.next,
          },
        }),
    ...(readPast.size === 0 ? {} : { readPast: [...readPast] }),
  };
  const rows: string[] = [];
  for (const [rowKey, { expected, next }] of fold.rows) {
    rows.push(rowKey, expected === null ? '' : encodePosition(expected), encodeStoredRow(next));
  }
  return { keys: keyList, request, rows };
}
