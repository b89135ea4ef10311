import type { SourcePosition } from '../decode/index.ts';
import type { CompiledModel, Contribution } from './compile-model.ts';
import { DeltaSet } from './delta-set.ts';
import type { FoldEvent } from './fold-batch.ts';
import { rememberAll, type RememberedRows } from './lane-memory.ts';
import { RowRejected, type MemoryRow } from './memory-row.ts';
import { isNewer, positionOf, type RowPosition } from './row-position.ts';

/**
 * A lane: read models of one table that share one memory per row (the union of the columns they
 * remember, and one position), so a batch of the table is decoded, remembered and fenced once and
 * folded into every model in the same pass.
 */
export interface LaneRow {
  /** The position of the last change applied to this row (kept after a delete too). */
  readonly position: RowPosition;
  /** The row's remembered columns (every member's), null once the row is deleted. */
  readonly memory: MemoryRow | null;
  /**
   * State models: what `memory` contributes to each member, when already computed (kept with a row
   * cached in memory, so its next change does not compute it again).
   */
  readonly contributions?: LaneContributions;
}

/** Contributions by member: `values[i]` is the model named `names[i]`'s (undefined: a flow model's). */
export interface LaneContributions {
  /** The lane's member names when it was folded (one array for all the rows of a fold). */
  readonly names: readonly string[];
  readonly values: ReadonlyArray<Contribution | null | undefined>;
}

/** The contribution remembered for member `index` named `name`, if any (members may have changed since). */
function knownContribution(
  known: LaneContributions | undefined,
  index: number,
  name: string,
): Contribution | null | undefined {
  if (known === undefined) return undefined;
  const at = known.names[index] === name ? index : known.names.indexOf(name);
  return at < 0 ? undefined : known.values[at];
}

export interface LaneState {
  readonly rows: ReadonlyMap<string, LaneRow>;
  /** Per member (model name), the newest commit time it has seen, which drives its retention. */
  readonly maxCommitTimeMs: ReadonlyMap<string, bigint | null>;
}

export interface LaneRowWrite {
  /** The position read before folding (null: none stored). The store refuses the batch if it moved. */
  readonly expected: RowPosition | null;
  readonly next: LaneRow;
}

/** What a batch does to one member's aggregates. */
export interface MemberFold {
  readonly deltas: DeltaSet;
  /** The newest commit time the member has seen, after the batch. */
  readonly maxCommitTimeMs: bigint | null;
  /** Buckets starting before this instant are dropped (null: the model keeps no time buckets). */
  readonly retainFromMs: number | null;
}

export interface LaneFold {
  readonly rows: ReadonlyMap<string, LaneRowWrite>;
  readonly members: ReadonlyMap<string, MemberFold>;
  /** Changes applied (to every member at once). */
  readonly applied: number;
  /** Changes not newer than the row's stored position: duplicates and replays. */
  readonly duplicates: number;
  /** Rows whose every change was a duplicate (no write fences them). */
  readonly skippedRows: ReadonlySet<string>;
  /** Changes a member could not take: set aside for all of them (one verdict per record). */
  readonly rejected: ReadonlyArray<{ readonly event: FoldEvent; readonly reason: string }>;
  /** The newest source position among applied changes (a backfill's reads have none). */
  readonly lastSource: SourcePosition | null;
}

function sameContribution(a: Contribution | null, b: Contribution | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.group !== b.group || a.bucket?.label !== b.bucket?.label) return false;
  const { values } = a;
  if (values.length !== b.values.length) return false;
  for (let i = 0; i < values.length; i += 1) if (values[i] !== b.values[i]) return false;
  return true;
}

/** Buckets older than the retention are gone: contributions to them are neither added nor removed. */
function retained(c: Contribution | null, retainFrom: number | null): c is Contribution {
  return c !== null && (retainFrom === null || c.bucket === null || c.bucket.startMs >= retainFrom);
}

/** One member's running state through the batch. */
interface Running {
  readonly model: CompiledModel;
  readonly deltas: DeltaSet;
  maxCommitTimeMs: bigint | null;
}

/**
 * Folds one partition's row events of a table, in order, into one write per row (the shared
 * memory and position) and each member's aggregate deltas. Pure. A change that is not newer than
 * the row's stored position is a duplicate for every member at once (they share the position), so
 * applying any event twice, or an old one after a newer one, leaves every aggregate as it was. Old
 * values come from the row's memory, never from the event's before image (REPLICA IDENTITY DEFAULT
 * sends none). A change a member cannot take (a value it cannot read exactly) is rejected for the
 * whole lane: applied to every member or to none.
 */
export function foldLane(
  members: readonly CompiledModel[],
  events: readonly FoldEvent[],
  state: LaneState,
  remembered?: RememberedRows,
): LaneFold {
  const table = members[0]?.table;
  const running: Running[] = members.map((model) => ({
    model,
    deltas: new DeltaSet(model),
    maxCommitTimeMs: state.maxCommitTimeMs.get(model.name) ?? null,
  }));
  const rows = new Map<string, LaneRowWrite>();
  const rejected: Array<{ event: FoldEvent; reason: string }> = [];
  let applied = 0;
  let duplicates = 0;
  const duplicateRows = new Set<string>();
  let lastSource: SourcePosition | null = null;
  // One event's aggregate changes and members' newest commit times, kept only if every member
  // could take the event (reused from event to event).
  // (as three parallel lists: no object per change and model)
  const addTo: DeltaSet[] = [];
  const addWhat: Contribution[] = [];
  const addSign: Array<1n | -1n> = [];
  const add = (deltas: DeltaSet, contribution: Contribution, sign: 1n | -1n) => {
    addTo.push(deltas);
    addWhat.push(contribution);
    addSign.push(sign);
  };
  const newest: bigint[] = [];
  const names = members.map((model) => model.name);
  const anyState = members.some((model) => model.kind === 'state');

  for (const event of events) {
    if (event.table !== table) continue;
    const pending = rows.get(event.rowKey);
    const current = pending ? pending.next : state.rows.get(event.rowKey);
    const position = positionOf(event);
    if (current && !isNewer(position, current.position)) {
      duplicates += 1;
      duplicateRows.add(event.rowKey);
      continue;
    }
    const commitTimeMs = event.source.commitTimeMs;
    const previous = current?.memory ?? null;
    let next: MemoryRow | null;
    // Everything is computed before anything is kept: a rejection leaves every member untouched.
    addTo.length = 0;
    addWhat.length = 0;
    addSign.length = 0;
    newest.length = 0;
    // (an array per change, not a Map: the fold makes one per applied change)
    const contributions = anyState ? new Array<Contribution | null | undefined>(members.length) : [];
    try {
      next =
        event.kind === 'delete'
          ? null
          : (remembered?.memoryOf(event, members) ?? rememberAll(members, event.after, previous));
      for (let m = 0; m < running.length; m += 1) {
        const member = running[m] as Running;
        const { model, deltas } = member;
        const latest =
          member.maxCommitTimeMs === null || commitTimeMs > member.maxCommitTimeMs
            ? commitTimeMs
            : member.maxCommitTimeMs;
        newest.push(latest);
        const retainFrom = model.retentionMs === null ? null : Number(latest) - model.retentionMs;
        // Under "keep", an archival delete forgets the row but leaves what it contributed.
        const kept = event.kind === 'delete' && event.archival === true && model.archive === 'keep';
        if (kept) {
          if (model.kind === 'state') contributions[m] = null;
        } else if (model.kind === 'state') {
          const known = knownContribution(current?.contributions, m, model.name);
          const before =
            previous === null ? null : known !== undefined ? known : model.contributionOf(previous);
          const after = next === null ? null : model.contributionOf(next);
          contributions[m] = after;
          if (!sameContribution(before, after)) {
            if (retained(before, retainFrom)) add(deltas, before, -1n);
            if (retained(after, retainFrom)) add(deltas, after, 1n);
          }
        } else {
          const flow = model.flowOf({ kind: event.kind, previous, next, commitTimeMs });
          if (retained(flow, retainFrom)) add(deltas, flow, 1n);
        }
      }
    } catch (error) {
      if (!(error instanceof RowRejected)) throw error;
      rejected.push({ event, reason: error.message });
      continue;
    }
    for (let i = 0; i < addTo.length; i += 1)
      (addTo[i] as DeltaSet).add(addWhat[i] as Contribution, addSign[i] as 1n | -1n, event.rowKey);
    for (let m = 0; m < running.length; m += 1) {
      const member = running[m] as Running;
      member.maxCommitTimeMs = newest[m] ?? member.maxCommitTimeMs;
    }
    const expected = pending ? pending.expected : (current?.position ?? null);
    rows.set(event.rowKey, {
      expected,
      next: anyState
        ? { position, memory: next, contributions: { names, values: contributions } }
        : { position, memory: next },
    });
    applied += 1;
    // A backfill's read is not a change at a source position: its LSN is only where the stream
    // stood (and it has no transaction), so it does not move the newest applied change.
    const backfillRead = event.kind === 'read' && event.source.snapshot === 'incremental';
    if (!backfillRead && (lastSource === null || event.source.lsn > lastSource.lsn))
      lastSource = event.source;
  }
  const folds = new Map<string, MemberFold>();
  for (const { model, deltas, maxCommitTimeMs } of running) {
    folds.set(model.name, {
      deltas,
      maxCommitTimeMs,
      retainFromMs:
        model.retentionMs === null || maxCommitTimeMs === null
          ? null
          : Number(maxCommitTimeMs) - model.retentionMs,
    });
  }
  const skippedRows = new Set([...duplicateRows].filter((rowKey) => !rows.has(rowKey)));
  return { rows, members: folds, applied, duplicates, skippedRows, rejected, lastSource };
}
