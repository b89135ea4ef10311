import {
  encodePosition,
  type CompiledModel,
  type FoldResult,
  type ModelState,
  type StoredRow,
  valueOfExtremeMember,
} from '../../src/projection/index.ts';

const SEP = '\u0000';

/**
 * The Redis store's semantics in memory, for pure property tests: the same write rules as
 * src/store/apply-batch.lua (zero fields disappear, extremes are members, distinct values are
 * reference-counted, expired buckets are dropped). The component tests check the real script.
 */
export class MemoryStore {
  readonly rows = new Map<string, StoredRow>();
  maxCommitTimeMs: bigint | null = null;
  readonly counters = new Map<string, Map<string, bigint>>();
  /** Per sorted set: member → the exact value it holds (the reference orders exactly, not by score). */
  readonly extremes = new Map<string, Map<string, bigint>>();
  readonly distincts = new Map<string, Map<string, bigint>>();
  readonly buckets = new Map<string, number>();
  /** Bucket → ranked group → total (the ranked measure's sorted set). */
  readonly rankings = new Map<string, Map<string, bigint>>();

  private readonly model: CompiledModel;

  constructor(model: CompiledModel) {
    this.model = model;
  }

  state(): ModelState {
    return { rows: new Map(this.rows), maxCommitTimeMs: this.maxCommitTimeMs };
  }

  apply(fold: FoldResult): void {
    for (const [key, write] of fold.rows) {
      const stored = this.rows.get(key)?.position;
      const same =
        stored === undefined
          ? write.expected === null
          : write.expected !== null && encodePosition(stored) === encodePosition(write.expected);
      if (!same) throw new Error(`fence: ${key} moved`);
      this.rows.set(key, write.next);
    }
    for (const c of fold.deltas.counters.values()) {
      const hash = this.hash(this.counters, c.bucket ?? '-');
      const total = (hash.get(c.field) ?? 0n) + c.delta;
      if (total === 0n) hash.delete(c.field);
      else hash.set(c.field, total);
      if (c.rankGroup !== null) {
        const ranking = this.hash(this.rankings, c.bucket ?? '-');
        if (total === 0n) ranking.delete(c.rankGroup);
        else ranking.set(c.rankGroup, total);
      }
    }
    for (const e of fold.deltas.extremes.values()) {
      const set = this.hash(this.extremes, [e.measure, e.bucket ?? '-', e.group].join(SEP));
      if (e.present) set.set(e.member, BigInt(valueOfExtremeMember(e.member)));
      else set.delete(e.member);
    }
    for (const d of fold.deltas.distincts.values()) {
      const hash = this.hash(this.distincts, [d.measure, d.bucket ?? '-', d.group].join(SEP));
      const total = (hash.get(d.value) ?? 0n) + d.delta;
      if (total <= 0n) hash.delete(d.value);
      else hash.set(d.value, total);
    }
    for (const [label, start] of fold.deltas.buckets) this.buckets.set(label, start);
    if (fold.retainFromMs !== null) {
      for (const [label, start] of this.buckets) {
        if (start >= fold.retainFromMs) continue;
        this.buckets.delete(label);
        this.counters.delete(label);
        this.rankings.delete(label);
        for (const map of [this.extremes, this.distincts]) {
          for (const key of map.keys()) if (key.split(SEP)[1] === label) map.delete(key);
        }
      }
    }
    this.maxCommitTimeMs = fold.maxCommitTimeMs;
  }

  /**
   * The model as a plain object: "bucket / group" → measure → exact text. Extremes as unscaled
   * integers, averages as "sum/n", so comparisons need no rounding.
   */
  view(): Record<string, Record<string, string>> {
    const result: Record<string, Record<string, string>> = {};
    for (const [bucket, hash] of this.counters) {
      for (const [field, value] of hash) {
        const separator = field.indexOf('|');
        const measure = field.slice(0, separator);
        const group = field.slice(separator + 1);
        (result[`${bucket} / ${group}`] ??= {})[measure] = value.toString();
      }
    }
    for (const [key, set] of this.extremes) {
      const [measure = '', bucket = '', group = ''] = key.split(SEP);
      const type = this.model.definition.measures.find((m) => m.name === measure)?.type;
      const sorted = [...set.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const value = type === 'min' ? sorted[0] : sorted[sorted.length - 1];
      if (value !== undefined) (result[`${bucket} / ${group}`] ??= {})[measure] = value.toString();
    }
    for (const [key, hash] of this.distincts) {
      const [measure = '', bucket = '', group = ''] = key.split(SEP);
      if (hash.size > 0) (result[`${bucket} / ${group}`] ??= {})[measure] = String(hash.size);
    }
    const top = this.model.top;
    if (top) {
      for (const [bucket, ranking] of this.rankings) {
        // ZREVRANGE order: score descending, equal scores by member descending.
        const order = [...ranking].sort((a, b) =>
          a[1] !== b[1] ? (a[1] > b[1] ? -1 : 1) : a[0] > b[0] ? -1 : a[0] < b[0] ? 1 : 0,
        );
        if (order.length > 0)
          result[`${bucket} / top`] = {
            [top.measure]: JSON.stringify(order.slice(0, top.limit).map(([group]) => group)),
          };
      }
    }
    return result;
  }

  private hash<V>(maps: Map<string, Map<string, V>>, key: string): Map<string, V> {
    let map = maps.get(key);
    if (!map) {
      map = new Map<string, V>();
      maps.set(key, map);
    }
    return map;
  }
}
