import type { StoredRow } from '../projection/index.ts';
import type { Lane } from './lanes.ts';
import { applyModelBatch, modelStateOf, type ReadModelStore } from './redis-store.ts';

interface LaneCache {
  /** Insertion order is write order: the oldest written row is evicted first. */
  readonly rows: Map<string, StoredRow>;
  /** Each member's newest commit time, once read from Redis or set by an applied batch. */
  readonly maxCommitTimeMs: Map<string, bigint | null>;
}

/**
 * Keeps what the projector last wrote per row of a lane in memory, so a batch reads from Redis only
 * the rows it has not seen. The apply script fences every row it writes against the position the
 * fold started from, so an entry older than Redis (another writer moved the row) can only cause a
 * conflict, never a wrong write; on a conflict or an unknown outcome the lane's entries are
 * dropped and the projector's retry reads Redis again. An entry newer than Redis (a failover lost
 * a write Redis had acknowledged) would make the batch that wrote it, delivered again, look like
 * duplicates, and skipped rows are not fenced: the writer has such rows read from Redis again
 * (`forgetLaneRows`) before it trusts the verdict. Entries are kept per rows hash, so a model read
 * alone and the lane it belongs to share them. `maxRowsPerLane` bounds memory (0 turns the cache
 * off).
 */
export function withRowCache(store: ReadModelStore, maxRowsPerLane: number): ReadModelStore {
  if (maxRowsPerLane <= 0) return store;
  const caches = new Map<string, LaneCache>();
  const cacheOf = (lane: Lane): LaneCache => {
    let cache = caches.get(lane.rows);
    if (!cache) caches.set(lane.rows, (cache = { rows: new Map(), maxCommitTimeMs: new Map() }));
    return cache;
  };
  const laneOf = async (model: Parameters<ReadModelStore['lanesOf']>[0][number]): Promise<Lane> => {
    const [lane] = await store.lanesOf([model]);
    if (!lane) throw new Error(`no lane for ${model.name}`);
    return lane;
  };

  const cached: ReadModelStore = {
    ...store,

    forgetCached() {
      // A replay after a loss must see Redis's rows, not what was written before the loss: a
      // cached newer position would make the replayed changes look like duplicates.
      caches.clear();
      store.forgetCached();
    },

    forgetLaneRows(lane, rowKeys) {
      const rows = caches.get(lane.rows)?.rows;
      let forgot = false;
      for (const rowKey of rowKeys) forgot = (rows?.delete(rowKey) ?? false) || forgot;
      return store.forgetLaneRows(lane, rowKeys) || forgot;
    },

    async readLaneState(lane, rowKeys) {
      const cache = cacheOf(lane);
      const rows = new Map<string, StoredRow>();
      const missing: string[] = [];
      for (const rowKey of rowKeys) {
        const hit = cache.rows.get(rowKey);
        if (hit) rows.set(rowKey, hit);
        else missing.push(rowKey);
      }
      const knowsCommits = lane.members.every((member) => cache.maxCommitTimeMs.has(member.name));
      if (missing.length === 0 && knowsCommits)
        return { rows, maxCommitTimeMs: new Map(cache.maxCommitTimeMs) };
      const stored = await store.readLaneState(lane, missing);
      stored.rows.forEach((row, rowKey) => rows.set(rowKey, row));
      return { rows, maxCommitTimeMs: stored.maxCommitTimeMs };
    },

    async readModelState(model, rowKeys) {
      return modelStateOf(model, await cached.readLaneState(await laneOf(model), rowKeys));
    },

    async applyLane(request) {
      const cache =
        caches.get(request.rows) ?? cacheOf({ id: request.rows, rows: request.rows, members: [], keys: [] });
      let outcome;
      try {
        outcome = await store.applyLane(request);
      } catch (error) {
        caches.delete(request.rows); // the script may or may not have run
        throw error;
      }
      if (outcome.kind !== 'applied') {
        caches.delete(request.rows);
        return outcome;
      }
      // (forEach: iterating a Map's entries makes an array per row)
      request.fold.rows.forEach(({ next }, rowKey) => {
        cache.rows.delete(rowKey); // re-inserted last: the most recently written
        cache.rows.set(rowKey, next);
      });
      for (const rowKey of cache.rows.keys()) {
        if (cache.rows.size <= maxRowsPerLane) break;
        cache.rows.delete(rowKey);
      }
      for (const { model, fold } of request.members)
        cache.maxCommitTimeMs.set(model.name, fold.maxCommitTimeMs);
      return outcome;
    },

    async applyBatch(model, write) {
      return await applyModelBatch(cached, model, write);
    },
  };
  return cached;
}
