/**
 * The one decision about where readers stand in a partition (docs/positions-spec.md). Every place
 * that can notice Redis lost data (before a batch, after it, inside the apply script, the periodic
 * check, the rebuild's replay, the loaded marker) hands what it saw to `decidePositions` and acts on
 * its answer: go on, read the partition again from an offset, or reload everything.
 */
import { ErrorCode, ReadoutError } from '../errors/index.ts';

/** Where one reader (a model generation, or the guard) stands on one partition, as Redis says now. */
export interface ReaderStand {
  readonly name: string;
  /** The next offset it recorded there, or null if it recorded none (never, or Redis lost it). */
  readonly next: bigint | null;
  /** It is replaying (a catch-up target is set): standing behind is expected of it. */
  readonly catchingUp: boolean;
}

/**
 * The loaded marker, against the epoch this projector knows: `known`, the same (or the first
 * look); `gone`, Redis lost everything; `new-epoch`, another projector found it gone and reloaded.
 */
export type MarkerState = 'known' | 'gone' | 'new-epoch';

/**
 * When the question is asked:
 * - `before-batch`: every reader must stand at the batch's first offset or beyond;
 * - `after-batch`: each reader must stand where the batch left it (its end if it wrote, its start if
 *   not); short of that, it lost writes while the batch ran, whether it was catching up or not;
 * - `periodic`: readers must stand where this projector last recorded them; readers that are
 *   replaying are left to the batches that replay them.
 */
export type CheckPoint = 'before-batch' | 'after-batch' | 'periodic';

export interface PositionFacts {
  readonly at: CheckPoint;
  readonly marker: MarkerState;
  /** The partition's earliest retained offset: where a reader with nothing recorded stands. */
  readonly low: bigint;
  readonly readers: readonly ReaderStand[];
  /** The offset a reader must stand at or beyond, or null when nothing is expected of it. */
  readonly expected: (reader: ReaderStand) => bigint | null;
}

export type PositionDecision =
  | { readonly kind: 'proceed' }
  /**
   * Read the partition again from `from`. `lost`: the readers that went back without being asked to
   * (Redis lost their writes: a loss to record, and they are not ready until caught up again);
   * readers that were replaying already are not in it.
   */
  | { readonly kind: 'rewind'; readonly from: bigint; readonly lost: readonly string[] }
  /** Redis lost everything (or another projector found it so): every partition from its start. */
  | { readonly kind: 'reload-everything' };

/** The loaded marker's epoch now, against the one this projector knows (undefined: not looked yet). */
export function markerState(epoch: string | null, known: string | null | undefined): MarkerState {
  if (epoch === null) return 'gone';
  return known === undefined || known === null || epoch === known ? 'known' : 'new-epoch';
}

/** Proceed, rewind or reload everything, from what Redis holds and what is expected of each reader. */
export function decidePositions(facts: PositionFacts): PositionDecision {
  if (facts.marker !== 'known') return { kind: 'reload-everything' };
  let from: bigint | null = null;
  const lost: string[] = [];
  for (const reader of facts.readers) {
    if (facts.at === 'periodic' && reader.catchingUp) continue;
    const expected = facts.expected(reader);
    if (expected === null) continue;
    // Nothing recorded: the reader stands at the partition's start, which is no gap when nothing
    // before the expected offset is retained.
    const stands = reader.next ?? facts.low;
    if (stands >= expected) continue;
    from = from === null || stands < from ? stands : from;
    if (facts.at === 'after-batch' || !reader.catchingUp) lost.push(reader.name);
  }
  return from === null ? { kind: 'proceed' } : { kind: 'rewind', from, lost };
}

/**
 * A fence inside Redis (the apply script, positions.lua's `read`) found a reader standing at
 * `stood`, short of `expected`: Redis lost writes after the projector looked. Nothing was written;
 * the error makes the batch come again, and the check before it rewinds (the decision is the same,
 * made there with every reader of the partition). Returns the error to throw.
 */
export function lostWritesError(
  reader: string,
  stood: bigint | null,
  expected: bigint,
  where: { topic?: string; partition?: number | string } = {},
): ReadoutError {
  const decision = decidePositions({
    at: 'before-batch',
    marker: 'known',
    low: 0n,
    readers: [{ name: reader, next: stood, catchingUp: false }],
    expected: () => expected,
  });
  const from = decision.kind === 'rewind' ? decision.from : stood;
  return new ReadoutError(
    ErrorCode.StoreLostWrites,
    `${reader} stands at offset ${stood ?? '(none)'}, before offset ${expected}: Redis lost writes since they were made (a failover?)`,
    { retriable: true, details: { ...where, rewindTo: from?.toString() ?? null } },
  );
}
