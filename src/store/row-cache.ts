import type { CompiledModel, StoredRow } from '../projection/index.ts';
import type { ReadModelStore } from './redis-store.ts';

interface ModelCache {
  /** Insertion order is write order: the oldest written row is evicted first. */
  readonly rows: Map<string, StoredRow>;
  maxCommitTimeMs: bigint | null;
  /** False until maxCommitTimeMs was read from Redis or set by an applied batch. */
  knowsMaxCommit: boolean;
}

/**
 * Keeps what the projector last wrote per row in memory, so a batch reads from Redis only the rows
 * it has not seen. The apply script fences every row it writes against the position the fold
 * started from, so an entry older than Redis (another writer moved the row) can only cause a
 * conflict, never a wrong write; on a conflict or an unknown outcome the model's entries are
 * dropped and the projector's retry reads Redis again. An entry newer than Redis (a failover lost
 * a write Redis had acknowledged) would make the batch that wrote it, delivered again, look like
 * duplicates, and skipped rows are not fenced: the model writer has such rows read from Redis
 * again (`forgetRows`) before it trusts the verdict. `maxRowsPerModel` bounds memory (0 turns the
 * cache off).
 */
export function withRowCache(store: ReadModelStore, maxRowsPerModel: number): ReadModelStore {
  if (maxRowsPerModel <= 0) return store;
  const caches = new Map<string, ModelCache>();
  // Each generation of a model has rows of its own.
  const idOf = (model: CompiledModel) => `${model.name}#${model.generation ?? 0}`;
  const cacheOf = (model: CompiledModel): ModelCache => {
    let cache = caches.get(idOf(model));
    if (!cache)
      caches.set(idOf(model), (cache = { rows: new Map(), maxCommitTimeMs: null, knowsMaxCommit: false }));
    return cache;
  };

  return {
    ...store,

    forgetCached() {
      // A replay after a loss must see Redis's rows, not what was written before the loss: a
      // cached newer position would make the replayed changes look like duplicates.
      caches.clear();
      store.forgetCached();
    },

    forgetRows(model, rowKeys) {
      const rows = caches.get(idOf(model))?.rows;
      let forgot = false;
      for (const rowKey of rowKeys) forgot = (rows?.delete(rowKey) ?? false) || forgot;
      return store.forgetRows(model, rowKeys) || forgot;
    },

    async readModelState(model, rowKeys) {
      const cache = cacheOf(model);
      const rows = new Map<string, StoredRow>();
      const missing: string[] = [];
      for (const rowKey of rowKeys) {
        const hit = cache.rows.get(rowKey);
        if (hit) rows.set(rowKey, hit);
        else missing.push(rowKey);
      }
      if (missing.length === 0 && cache.knowsMaxCommit)
        return { rows, maxCommitTimeMs: cache.maxCommitTimeMs };
      const stored = await store.readModelState(model, missing);
      for (const [rowKey, row] of stored.rows) rows.set(rowKey, row);
      return { rows, maxCommitTimeMs: stored.maxCommitTimeMs };
    },

    async applyBatch(model, write) {
      const cache = cacheOf(model);
      let outcome;
      try {
        outcome = await store.applyBatch(model, write);
      } catch (error) {
        caches.delete(idOf(model)); // the script may or may not have run
        throw error;
      }
      if (outcome.kind !== 'applied') {
        caches.delete(idOf(model));
        return outcome;
      }
      for (const [rowKey, { next }] of write.fold.rows) {
        cache.rows.delete(rowKey); // re-inserted last: the most recently written
        cache.rows.set(rowKey, next);
      }
      for (const rowKey of cache.rows.keys()) {
        if (cache.rows.size <= maxRowsPerModel) break;
        cache.rows.delete(rowKey);
      }
      cache.maxCommitTimeMs = write.fold.maxCommitTimeMs;
      cache.knowsMaxCommit = true;
      return outcome;
    },
  };
}
