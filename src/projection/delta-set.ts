import type { CompiledModel, Contribution } from './compile-model.ts';
import { extremeMember, extremeScore } from './extreme-member.ts';

/** The implicit per-group row counter every model keeps, so groups are known even without a count measure. */
export const ROWS_FIELD = '_rows';

export interface CounterDelta {
  readonly bucket: string | null;
  /** "measure|group" (avg keeps "measure.sum|group" and "measure.n|group"). */
  readonly field: string;
  delta: bigint;
  /** Set when this field is the ranked (top-N) measure: the group to rank. */
  readonly rankGroup: string | null;
}

export interface ExtremeDelta {
  readonly measure: string;
  readonly bucket: string | null;
  readonly group: string;
  /** The exact value (sortable) and the row key: see extreme-member.ts. */
  readonly member: string;
  /** The value as the nearest double ("inf" beyond): orders what a double can tell apart. */
  readonly score: string;
  present: boolean;
}

export interface DistinctDelta {
  readonly measure: string;
  readonly bucket: string | null;
  readonly group: string;
  readonly value: string;
  delta: bigint;
}

export function counterField(measure: string, group: string): string {
  return `${measure}|${group}`;
}

/**
 * The net effect of a batch on a read model's aggregates, merged per field/member so that a row
 * moving back and forth within a batch costs one write. Adding a contribution with sign -1 and then
 * +1 of the same contribution leaves nothing.
 */
export class DeltaSet {
  readonly counters = new Map<string, CounterDelta>();
  readonly extremes = new Map<string, ExtremeDelta>();
  readonly distincts = new Map<string, DistinctDelta>();
  /** Buckets written to, with their start (for retention). */
  readonly buckets = new Map<string, number>();

  private readonly model: CompiledModel;

  constructor(model: CompiledModel) {
    this.model = model;
  }

  get isEmpty(): boolean {
    return this.counters.size === 0 && this.extremes.size === 0 && this.distincts.size === 0;
  }

  add(contribution: Contribution, sign: 1n | -1n, rowKey: string): void {
    const bucket = contribution.bucket?.label ?? null;
    if (contribution.bucket && sign > 0n)
      this.buckets.set(contribution.bucket.label, contribution.bucket.startMs);
    const { group } = contribution;
    this.counter(bucket, counterField(ROWS_FIELD, group), sign, null);
    for (const measure of this.model.definition.measures) {
      const value = contribution.values[measure.name] ?? null;
      if (value === null) continue;
      const ranked = this.model.top?.measure === measure.name ? group : null;
      switch (measure.type) {
        case 'count':
          this.counter(bucket, counterField(measure.name, group), sign, ranked);
          break;
        case 'sum':
          this.counter(bucket, counterField(measure.name, group), sign * BigInt(value), ranked);
          break;
        case 'avg':
          this.counter(bucket, counterField(`${measure.name}.sum`, group), sign * BigInt(value), null);
          this.counter(bucket, counterField(`${measure.name}.n`, group), sign, null);
          break;
        case 'min':
        case 'max':
          this.extreme(measure.name, bucket, group, BigInt(value), rowKey, sign > 0n);
          break;
        case 'distinct':
          this.distinct(measure.name, bucket, group, String(value), sign);
          break;
      }
    }
  }

  private counter(bucket: string | null, field: string, delta: bigint, rankGroup: string | null): void {
    const key = `${bucket ?? ''}\u0000${field}`;
    const existing = this.counters.get(key);
    if (existing) {
      existing.delta += delta;
      if (existing.delta === 0n) this.counters.delete(key);
    } else if (delta !== 0n) {
      this.counters.set(key, { bucket, field, delta, rankGroup });
    }
  }

  private extreme(
    measure: string,
    bucket: string | null,
    group: string,
    value: bigint,
    rowKey: string,
    present: boolean,
  ): void {
    const member = extremeMember(value, rowKey);
    const key = `${measure}\u0000${bucket ?? ''}\u0000${group}\u0000${member}`;
    const existing = this.extremes.get(key);
    if (existing) existing.present = present;
    else this.extremes.set(key, { measure, bucket, group, member, score: extremeScore(value), present });
  }

  private distinct(
    measure: string,
    bucket: string | null,
    group: string,
    value: string,
    delta: bigint,
  ): void {
    const key = `${measure}\u0000${bucket ?? ''}\u0000${group}\u0000${value}`;
    const existing = this.distincts.get(key);
    if (existing) {
      existing.delta += delta;
      if (existing.delta === 0n) this.distincts.delete(key);
    } else {
      this.distincts.set(key, { measure, bucket, group, value, delta });
    }
  }
}
