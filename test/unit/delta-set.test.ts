import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeltaSet, type Contribution, type MemoryRow } from '../../src/projection/index.ts';
import { everyMeasureModel } from '../support/demo-models.ts';

/** A batch's net effect on one model: counters summed, min/max members and distinct values per set. */
const model = everyMeasureModel('by_status');

function contribution(row: MemoryRow) {
  const found = model.contributionOf(row);
  if (found === null) throw new Error('the row is filtered out');
  return found;
}

const paid = (amount: string, customer: string): MemoryRow => ({ status: 'paid', amount, customer });

describe('DeltaSet', () => {
  it('groups min/max member changes per sorted set, the last word on a member winning', () => {
    const deltas = new DeltaSet(model);
    deltas.add(contribution(paid('10.00', 'ann')), 1n, 'id=1');
    deltas.add(contribution(paid('20.00', 'bob')), 1n, 'id=2');
    deltas.add(contribution(paid('10.00', 'ann')), -1n, 'id=1'); // row 1 leaves in the same batch
    deltas.add(contribution({ ...paid('5.00', 'cy'), status: 'pending' }), 1n, 'id=3');
    const sets = [...deltas.extremeChanges()].map(({ measure, group, changes }) => ({
      measure,
      group,
      changes: [...changes].map(({ member, present }) => ({ member, present })),
    }));
    expect(sets.map(({ measure, group }) => `${measure} ${group}`).sort()).toEqual([
      'largest ["paid"]',
      'largest ["pending"]',
      'smallest ["paid"]',
      'smallest ["pending"]',
    ]);
    const largestPaid = sets.find((set) => set.measure === 'largest' && set.group === '["paid"]');
    expect(largestPaid?.changes.map(({ present }) => present)).toEqual([false, true]);
    expect(
      largestPaid?.changes.every(({ member }) => member.endsWith('id=1') || member.endsWith('id=2')),
    ).toBe(true);
    // The flat view names each change once, by measure, bucket, group and member.
    expect(deltas.extremes.size).toBe(6);
  });

  it('drops a distinct value whose count nets to zero, and keeps the others', () => {
    const deltas = new DeltaSet(model);
    deltas.add(contribution(paid('1.00', 'ann')), 1n, 'id=1');
    deltas.add(contribution(paid('2.00', 'bob')), 1n, 'id=2');
    deltas.add(contribution(paid('1.00', 'ann')), -1n, 'id=1');
    const values = [...deltas.distinctChanges()].flatMap(({ measure, group, changes }) =>
      [...changes].map(({ value, delta }) => `${measure} ${group} ${value} ${delta}`),
    );
    expect(values).toEqual(['customers ["paid"] bob 1']);
    expect([...deltas.distincts.values()].map(({ value }) => value)).toEqual(['bob']);
  });

  it('is empty when every change nets to zero, counters and per-value sets alike', () => {
    const deltas = new DeltaSet(model);
    const row = paid('3.00', 'ann');
    deltas.add(contribution(row), 1n, 'id=1');
    expect(deltas.isEmpty).toBe(false);
    deltas.add(contribution(row), -1n, 'id=1');
    // The member's last word is "absent": a removal is still a change to send.
    expect(deltas.isEmpty).toBe(false);
    expect([...deltas.counters.values()]).toEqual([]);
    expect([...deltas.distinctChanges()]).toEqual([]);
    expect([...deltas.extremeChanges()].flatMap(({ changes }) => [...changes].map((e) => e.present))).toEqual(
      [false, false],
    );
  });

  it('sums exactly, whatever the addends and their order', () => {
    // Small, around 2^53 (where a double stops holding every integer) and far past 2^64, both signs.
    const edge = (power: bigint) => fc.bigInt({ min: -3n, max: 3n }).map((offset) => 2n ** power + offset);
    const units = fc.oneof(
      fc.bigInt({ min: -1000n, max: 1000n }),
      edge(53n),
      edge(53n).map((value) => -value),
      edge(63n),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(units, fc.boolean()), { maxLength: 300 }), (changes) => {
        const deltas = new DeltaSet(model);
        let revenue = 0n;
        let rows = 0n;
        for (const [value, adding] of changes) {
          const sign = adding ? 1n : -1n;
          const added: Contribution = {
            bucket: null,
            group: '["paid"]',
            values: [1n, value, value, value, value, 'ann'],
          };
          deltas.add(added, sign, 'id=1');
          revenue += sign * value;
          rows += sign;
        }
        const counter = (field: string) =>
          [...deltas.counters.values()].find((c) => c.field === `${field}|["paid"]`)?.delta ?? 0n;
        expect(counter('revenue')).toBe(revenue);
        expect(counter('average.sum')).toBe(revenue);
        expect(counter('_rows')).toBe(rows);
        expect(counter('orders')).toBe(rows);
      }),
      { numRuns: 300 },
    );
  });
});
