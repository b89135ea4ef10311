import type { MeasureDefinition } from '../definitions/index.ts';
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

/** One counter of a model's groups: where its value comes from, and its field's name. */
interface CounterSlot {
  /** The measure's name in a contribution's values (null: the implicit row counter). */
  readonly measure: string | null;
  /** Adds 1 per row (counts, an average's n) rather than the measure's value. */
  readonly one: boolean;
  /** The field's name before "|group". */
  readonly name: string;
  readonly ranked: boolean;
}

/** A group's counters (one per slot) in one bucket, as the batch changes them. */
interface Tally {
  readonly bucket: string | null;
  readonly group: string;
  readonly deltas: bigint[];
}

const slotsByModel = new WeakMap<CompiledModel, readonly CounterSlot[]>();

/** The counters every group of the model keeps, in a fixed order (computed once per model). */
function counterSlots(model: CompiledModel): readonly CounterSlot[] {
  let slots = slotsByModel.get(model);
  if (slots !== undefined) return slots;
  const list: CounterSlot[] = [{ measure: null, one: true, name: ROWS_FIELD, ranked: false }];
  for (const measure of model.definition.measures) {
    const ranked = model.top?.measure === measure.name;
    if (measure.type === 'count') list.push({ measure: measure.name, one: true, name: measure.name, ranked });
    else if (measure.type === 'sum')
      list.push({ measure: measure.name, one: false, name: measure.name, ranked });
    else if (measure.type === 'avg') {
      list.push({ measure: measure.name, one: false, name: `${measure.name}.sum`, ranked: false });
      list.push({ measure: measure.name, one: true, name: `${measure.name}.n`, ranked: false });
    }
  }
  slotsByModel.set(model, (slots = list));
  return slots;
}

/**
 * The net effect of a batch on a read model's aggregates, merged per field/member so that a row
 * moving back and forth within a batch costs one write. Adding a contribution with sign -1 and then
 * +1 of the same contribution leaves nothing. Counters are summed per group and bucket in slots
 * (a batch touches few groups, many times each); their fields are named once, when read.
 */
export class DeltaSet {
  readonly extremes = new Map<string, ExtremeDelta>();
  readonly distincts = new Map<string, DistinctDelta>();
  /** Buckets written to, with their start (for retention). */
  readonly buckets = new Map<string, number>();

  private readonly slots: readonly CounterSlot[];
  /** The measures kept per value rather than summed (min, max, distinct), often none. */
  private readonly perValue: readonly MeasureDefinition[];
  private readonly tallies = new Map<string, Tally>();

  constructor(model: CompiledModel) {
    this.slots = counterSlots(model);
    this.perValue = model.definition.measures.filter(
      (measure) => measure.type === 'min' || measure.type === 'max' || measure.type === 'distinct',
    );
  }

  /** Every counter the batch changes (none that nets to zero), keyed by bucket and field. */
  get counters(): ReadonlyMap<string, CounterDelta> {
    const counters = new Map<string, CounterDelta>();
    for (const { bucket, group, deltas } of this.tallies.values()) {
      this.slots.forEach((slot, i) => {
        const delta = deltas[i] ?? 0n;
        if (delta === 0n) return;
        const field = counterField(slot.name, group);
        counters.set(`${bucket ?? ''}\u0000${field}`, {
          bucket,
          field,
          delta,
          rankGroup: slot.ranked ? group : null,
        });
      });
    }
    return counters;
  }

  get isEmpty(): boolean {
    if (this.extremes.size > 0 || this.distincts.size > 0) return false;
    for (const { deltas } of this.tallies.values()) if (deltas.some((delta) => delta !== 0n)) return false;
    return true;
  }

  add(contribution: Contribution, sign: 1n | -1n, rowKey: string): void {
    const bucket = contribution.bucket?.label ?? null;
    if (contribution.bucket && sign > 0n)
      this.buckets.set(contribution.bucket.label, contribution.bucket.startMs);
    const { group, values } = contribution;
    const key = bucket === null ? group : `${bucket}\u0000${group}`;
    let tally = this.tallies.get(key);
    if (tally === undefined) {
      tally = { bucket, group, deltas: this.slots.map(() => 0n) };
      this.tallies.set(key, tally);
    }
    const { deltas } = tally;
    const { slots } = this;
    for (let i = 0; i < slots.length; i += 1) {
      const slot = slots[i] as CounterSlot;
      if (slot.measure === null) {
        deltas[i] = (deltas[i] ?? 0n) + sign;
        continue;
      }
      const value = values[slot.measure] ?? null;
      if (value === null) continue;
      const amount = slot.one ? sign : typeof value === 'bigint' ? sign * value : sign * BigInt(value);
      deltas[i] = (deltas[i] ?? 0n) + amount;
    }
    for (const measure of this.perValue) {
      const value = values[measure.name] ?? null;
      if (value === null) continue;
      if (measure.type === 'distinct') this.distinct(measure.name, bucket, group, String(value), sign);
      else this.extreme(measure.name, bucket, group, BigInt(value), rowKey, sign > 0n);
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
