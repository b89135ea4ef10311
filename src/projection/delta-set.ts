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
  /** The measure's index in a contribution's values (-1: the implicit row counter). */
  readonly measure: number;
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
  /** Per measure kept per value (DeltaSet.perValue's order): its changed members or values. */
  readonly perValue: Array<Map<string, ExtremeDelta | DistinctDelta> | undefined>;
}

/** One sorted set's (or distinct hash's) changes: a measure's, in one group and bucket. */
export interface PerValueChanges<T> {
  readonly measure: string;
  readonly bucket: string | null;
  readonly group: string;
  readonly changes: Iterable<T>;
}

const slotsByModel = new WeakMap<CompiledModel, readonly CounterSlot[]>();

/** The counters every group of the model keeps, in a fixed order (computed once per model). */
function counterSlots(model: CompiledModel): readonly CounterSlot[] {
  let slots = slotsByModel.get(model);
  if (slots !== undefined) return slots;
  const list: CounterSlot[] = [{ measure: -1, one: true, name: ROWS_FIELD, ranked: false }];
  model.definition.measures.forEach((measure, index) => {
    const ranked = model.top?.measure === measure.name;
    if (measure.type === 'count') list.push({ measure: index, one: true, name: measure.name, ranked });
    else if (measure.type === 'sum') list.push({ measure: index, one: false, name: measure.name, ranked });
    else if (measure.type === 'avg') {
      list.push({ measure: index, one: false, name: `${measure.name}.sum`, ranked: false });
      list.push({ measure: index, one: true, name: `${measure.name}.n`, ranked: false });
    }
  });
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
  /** Buckets written to, with their start (for retention). */
  readonly buckets = new Map<string, number>();

  private readonly slots: readonly CounterSlot[];
  /** The measures kept per value rather than summed (min, max, distinct), often none, with their index. */
  private readonly perValue: ReadonlyArray<{ readonly measure: MeasureDefinition; readonly index: number }>;
  /** Every group's tally, in the order first touched, and the same by bucket and group. */
  private readonly tallies: Tally[] = [];
  private readonly tallyOf = new Map<string | null, Map<string, Tally>>();

  constructor(model: CompiledModel) {
    this.slots = counterSlots(model);
    this.perValue = model.definition.measures
      .map((measure, index) => ({ measure, index }))
      .filter(
        ({ measure }) => measure.type === 'min' || measure.type === 'max' || measure.type === 'distinct',
      );
  }

  /** Every counter the batch changes (none that nets to zero), keyed by bucket and field. */
  get counters(): ReadonlyMap<string, CounterDelta> {
    const counters = new Map<string, CounterDelta>();
    for (const tally of this.tallies) {
      const { bucket, group } = tally;
      this.slots.forEach((slot, i) => {
        const delta = tally.deltas[i] ?? 0n;
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

  /** The min/max members the batch adds or removes, per sorted set. */
  extremeChanges(): Iterable<PerValueChanges<ExtremeDelta>> {
    return this.perValueChanges(false) as Iterable<PerValueChanges<ExtremeDelta>>;
  }

  /** The distinct values whose count the batch changes (none that nets to zero), per measure and group. */
  distinctChanges(): Iterable<PerValueChanges<DistinctDelta>> {
    return this.perValueChanges(true) as Iterable<PerValueChanges<DistinctDelta>>;
  }

  /** Every min/max member change, keyed by measure, bucket, group and member. */
  get extremes(): ReadonlyMap<string, ExtremeDelta> {
    return flatten(this.extremeChanges(), (e) => e.member);
  }

  /** Every distinct value's count change, keyed by measure, bucket, group and value. */
  get distincts(): ReadonlyMap<string, DistinctDelta> {
    return flatten(this.distinctChanges(), (d) => d.value);
  }

  private *perValueChanges(distinct: boolean): Generator<PerValueChanges<ExtremeDelta | DistinctDelta>> {
    for (const tally of this.tallies) {
      for (let i = 0; i < this.perValue.length; i += 1) {
        const { measure } = this.perValue[i] as { measure: MeasureDefinition };
        const changes = tally.perValue[i];
        if ((measure.type === 'distinct') !== distinct || changes === undefined || changes.size === 0)
          continue;
        yield { measure: measure.name, bucket: tally.bucket, group: tally.group, changes: changes.values() };
      }
    }
  }

  get isEmpty(): boolean {
    for (const tally of this.tallies) {
      if (tally.deltas.some((delta) => delta !== 0n)) return false;
      const { perValue } = tally;
      if (perValue.some((changes) => changes !== undefined && changes.size > 0)) return false;
    }
    return true;
  }

  add(contribution: Contribution, sign: 1n | -1n, rowKey: string): void {
    const bucket = contribution.bucket?.label ?? null;
    if (contribution.bucket && sign > 0n)
      this.buckets.set(contribution.bucket.label, contribution.bucket.startMs);
    const { group, values } = contribution;
    let ofBucket = this.tallyOf.get(bucket);
    if (ofBucket === undefined) this.tallyOf.set(bucket, (ofBucket = new Map<string, Tally>()));
    let tally = ofBucket.get(group);
    if (tally === undefined) {
      tally = {
        bucket,
        group,
        deltas: this.slots.map(() => 0n),
        perValue: this.perValue.map(() => undefined),
      };
      ofBucket.set(group, tally);
      this.tallies.push(tally);
    }
    const { deltas } = tally;
    const { slots } = this;
    for (let i = 0; i < slots.length; i += 1) {
      const slot = slots[i] as CounterSlot;
      if (slot.measure < 0) {
        deltas[i] = (deltas[i] ?? 0n) + sign;
        continue;
      }
      const value = values[slot.measure] ?? null;
      if (value === null) continue;
      const amount = slot.one ? sign : typeof value === 'bigint' ? sign * value : sign * BigInt(value);
      deltas[i] = (deltas[i] ?? 0n) + amount;
    }
    const { perValue } = this;
    for (let i = 0; i < perValue.length; i += 1) {
      const { measure, index } = perValue[i] as { measure: MeasureDefinition; index: number };
      const value = values[index] ?? null;
      if (value === null) continue;
      let changes = tally.perValue[i];
      if (changes === undefined) tally.perValue[i] = changes = new Map();
      if (measure.type === 'distinct')
        distinct(changes as Map<string, DistinctDelta>, measure.name, bucket, group, String(value), sign);
      else
        extreme(
          changes as Map<string, ExtremeDelta>,
          measure.name,
          bucket,
          group,
          BigInt(value),
          rowKey,
          sign > 0n,
        );
    }
  }
}

let lastMember: { value: bigint; rowKey: string; member: string; score: string } | null = null;

/** Per-value changes in one map, keyed by measure, bucket, group and `last` (the member or value). */
function flatten<T extends { measure: string; bucket: string | null; group: string }>(
  sets: Iterable<PerValueChanges<T>>,
  last: (change: T) => string,
): ReadonlyMap<string, T> {
  const all = new Map<string, T>();
  for (const { changes } of sets)
    for (const c of changes)
      all.set(`${c.measure}\u0000${c.bucket ?? ''}\u0000${c.group}\u0000${last(c)}`, c);
  return all;
}

/** A row's value enters (present) or leaves a min/max sorted set; the last word in a batch wins. */
function extreme(
  changes: Map<string, ExtremeDelta>,
  measure: string,
  bucket: string | null,
  group: string,
  value: bigint,
  rowKey: string,
  present: boolean,
): void {
  // A model's min and max of one column (and its other models') make the same member of a row.
  if (lastMember === null || lastMember.value !== value || lastMember.rowKey !== rowKey)
    lastMember = { value, rowKey, member: extremeMember(value, rowKey), score: extremeScore(value) };
  const { member, score } = lastMember;
  const existing = changes.get(member);
  if (existing) existing.present = present;
  else changes.set(member, { measure, bucket, group, member, score, present });
}

/** A value's count in a distinct measure changes by `delta`; a change that nets to zero is none. */
function distinct(
  changes: Map<string, DistinctDelta>,
  measure: string,
  bucket: string | null,
  group: string,
  value: string,
  delta: bigint,
): void {
  const existing = changes.get(value);
  if (existing) {
    existing.delta += delta;
    if (existing.delta === 0n) changes.delete(value);
  } else {
    changes.set(value, { measure, bucket, group, value, delta });
  }
}
