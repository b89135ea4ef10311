import { describe, expect, it } from 'vitest';
import {
  decidePositions,
  lostWritesError,
  markerState,
  type CheckPoint,
  type MarkerState,
  type PositionDecision,
  type ReaderStand,
} from '../../src/pipeline/position-decision.ts';
import { ErrorCode } from '../../src/errors/index.ts';

/** A reader: its recorded next offset (null: none) and whether it is replaying. */
const reader = (name: string, next: number | null, catchingUp = false): ReaderStand => ({
  name,
  next: next === null ? null : BigInt(next),
  catchingUp,
});

interface Case {
  readonly title: string;
  readonly at: CheckPoint;
  readonly marker?: MarkerState;
  readonly low?: number;
  readonly readers: readonly ReaderStand[];
  /** The offset expected of every reader, or per reader name. */
  readonly expected: number | Readonly<Record<string, number | null>>;
  readonly decision: PositionDecision;
}

const proceed: PositionDecision = { kind: 'proceed' };
const rewind = (from: number, ...lost: string[]): PositionDecision => ({
  kind: 'rewind',
  from: BigInt(from),
  lost,
});

// docs/positions-spec.md, "The decision": each row is one of its rules.
const cases: Case[] = [
  {
    title: 'every reader at the batch start: proceed',
    at: 'before-batch',
    readers: [reader('a', 100), reader('b', 100)],
    expected: 100,
    decision: proceed,
  },
  {
    title: 'a reader ahead of the batch (a redelivery): proceed, row positions skip what it has',
    at: 'before-batch',
    readers: [reader('a', 250), reader('b', 100)],
    expected: 100,
    decision: proceed,
  },
  {
    title: 'a reader behind the batch start: rewind from it, a loss',
    at: 'before-batch',
    readers: [reader('a', 100), reader('b', 40)],
    expected: 100,
    decision: rewind(40, 'b'),
  },
  {
    title: 'two readers behind: rewind from the earlier, both lost',
    at: 'before-batch',
    readers: [reader('a', 70), reader('b', 40), reader('c', 100)],
    expected: 100,
    decision: rewind(40, 'a', 'b'),
  },
  {
    title: 'a replaying reader behind: rewind from it, not a loss',
    at: 'before-batch',
    readers: [reader('a', 100), reader('b', 10, true)],
    expected: 100,
    decision: rewind(10),
  },
  {
    title: 'nothing recorded, and nothing before the batch retained: proceed (a first batch)',
    at: 'before-batch',
    low: 100,
    readers: [reader('a', null)],
    expected: 100,
    decision: proceed,
  },
  {
    title: 'nothing recorded but records retained before the batch: rewind to the partition start',
    at: 'before-batch',
    low: 5,
    readers: [reader('a', null), reader('b', 100)],
    expected: 100,
    decision: rewind(5, 'a'),
  },
  {
    title: 'the loaded marker gone: reload everything, whatever the readers say',
    at: 'before-batch',
    marker: 'gone',
    readers: [reader('a', 100)],
    expected: 100,
    decision: { kind: 'reload-everything' },
  },
  {
    title: 'another projector began a new epoch: reload everything',
    at: 'periodic',
    marker: 'new-epoch',
    readers: [],
    expected: 0,
    decision: { kind: 'reload-everything' },
  },
  {
    title: 'after a batch: a reader that wrote stands at its end, one that did not at its start: proceed',
    at: 'after-batch',
    readers: [reader('wrote', 200), reader('quiet', 100)],
    expected: { wrote: 200, quiet: 100 },
    decision: proceed,
  },
  {
    title: 'after a batch: a reader short of what it recorded lost writes, even while replaying',
    at: 'after-batch',
    readers: [reader('wrote', 150, true), reader('quiet', 100)],
    expected: { wrote: 200, quiet: 100 },
    decision: rewind(150, 'wrote'),
  },
  {
    title: 'periodic: a reader gone back from what this projector recorded is a loss',
    at: 'periodic',
    readers: [reader('a', 300), reader('b', 120)],
    expected: 300,
    decision: rewind(120, 'b'),
  },
  {
    title: 'periodic: a replaying reader is left to the batches that replay it',
    at: 'periodic',
    readers: [reader('a', 300), reader('b', 120, true)],
    expected: 300,
    decision: proceed,
  },
  {
    title: 'periodic: a reader that lost its offset stands at the partition start',
    at: 'periodic',
    low: 0,
    readers: [reader('a', null)],
    expected: 300,
    decision: rewind(0, 'a'),
  },
  {
    title: 'a reader nothing is expected of is not judged',
    at: 'before-batch',
    readers: [reader('a', 1), reader('b', 100)],
    expected: { a: null, b: 100 },
    decision: proceed,
  },
];

describe('decidePositions (docs/positions-spec.md)', () => {
  for (const c of cases) {
    it(c.title, () => {
      const expected = c.expected;
      expect(
        decidePositions({
          at: c.at,
          marker: c.marker ?? 'known',
          low: BigInt(c.low ?? 0),
          readers: c.readers,
          expected: (r) => {
            const value = typeof expected === 'number' ? expected : expected[r.name];
            return value === null || value === undefined ? null : BigInt(value);
          },
        }),
      ).toEqual(c.decision);
    });
  }

  it('compares offsets beyond 2^53 exactly', () => {
    expect(
      decidePositions({
        at: 'before-batch',
        marker: 'known',
        low: 0n,
        readers: [{ name: 'a', next: 9007199254740993n, catchingUp: false }],
        expected: () => 9007199254740994n,
      }),
    ).toEqual({ kind: 'rewind', from: 9007199254740993n, lost: ['a'] });
  });

  it('tells the loaded marker from the epoch this projector knows', () => {
    expect(markerState(null, 'e1')).toBe('gone');
    expect(markerState(null, undefined)).toBe('gone');
    expect(markerState('e1', undefined)).toBe('known'); // the first look takes it as known
    expect(markerState('e1', 'e1')).toBe('known');
    expect(markerState('e2', 'e1')).toBe('new-epoch');
  });

  it('turns a fence inside Redis into a retriable lost-writes error that says where to read from', () => {
    const error = lostWritesError('orders#2', 40n, 100n, { topic: 't', partition: 0 });
    expect(error.code).toBe(ErrorCode.StoreLostWrites);
    expect(error.retriable).toBe(true);
    expect(error.details).toEqual({ topic: 't', partition: 0, rewindTo: '40' });
    expect(error.message).toContain('orders#2 stands at offset 40, before offset 100');
  });
});
