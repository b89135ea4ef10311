import {
  encodePosition,
  type CompiledModel,
  type LaneFold,
  type MemberFold,
} from '../../projection/index.ts';
import type { RedisClient } from '../connection.ts';
import type { ModelKeys } from '../keys.ts';
import { loadLuaScript, runLuaScript, type LuaScript } from '../lua-script.ts';
import { encodeStoredRow } from '../stored-row.ts';
import { field, replyTuple, unknownReply } from './script-reply.ts';

/** apply-lane.lua with the shared prelude. */
export const applyLaneScript: LuaScript = loadLuaScript('./scripts/apply-lane.lua', [
  './scripts/prelude.lua',
]);

/** A batch's Kafka partition, its first offset and the next offset to read. */
export interface BatchOffset {
  readonly topic: string;
  readonly partition: number;
  /** The batch's first offset: the model must stand there or beyond, or it lost writes. */
  readonly first: string;
  readonly next: string;
  /**
   * This write follows an earlier one of the same batch, sent before that one was answered: it is
   * applied only if that one was (the member recorded an offset at `first` or beyond), or answered
   * `unfollowed` with nothing written.
   */
  readonly follows?: boolean;
}

/** One member of a lane, with what the batch does to its aggregates. */
export interface LaneMemberWrite {
  readonly model: CompiledModel;
  readonly keys: ModelKeys;
  readonly fold: MemberFold;
}

/** One folded batch of a lane (store/lanes.ts), as the apply script takes it. */
export interface ApplyLaneRequest {
  /** The lane's rows hash (its members' shared memory). */
  readonly rows: string;
  readonly members: readonly LaneMemberWrite[];
  readonly fold: Pick<LaneFold, 'rows' | 'applied' | 'duplicates' | 'lastSource'>;
  /** Null for changes applied after their batch (see redis-store.ts BatchWrite). */
  readonly offset: BatchOffset | null;
  /** Per partition, the offset every member must have read past (changes applied after their batch). */
  readonly readPast?: ReadonlyMap<string, string>;
}

/** Why a model generation stopped taking changes, and at which record. */
export interface ModelStop {
  readonly code: string;
  readonly reason: string;
  /** The record that showed it: "topic/partition/offset". */
  readonly at: string;
}

/** Every kind of reply apply-lane.lua gives (the protocol test sees each one). */
export const APPLY_LANE_REPLY_KINDS = [
  'applied',
  'conflict',
  'moved',
  'behind',
  'unread',
  'refused',
  'stopped',
  'unfollowed',
] as const;

/** What the apply script answers (see its header); anything else is a protocol error. */
export type ApplyLaneOutcome =
  /** Each member's new version, by model name. */
  | { readonly kind: 'applied'; readonly versions: ReadonlyMap<string, bigint> }
  | { readonly kind: 'conflict'; readonly rowKey: string }
  /** A member's written generation is neither the current one nor the one being rebuilt (a switch happened). */
  | { readonly kind: 'moved'; readonly model: string; readonly current: number }
  /** A member stands before the batch's first offset: Redis lost writes since they were made. */
  | { readonly kind: 'behind'; readonly model: string; readonly stood: string }
  /** A write that follows another of its batch (BatchOffset.follows) found that one not applied. */
  | { readonly kind: 'unfollowed'; readonly model: string }
  /** A change applied after its batch that a member has not read yet (see BatchWrite.readPast). */
  | {
      readonly kind: 'unread';
      readonly model: string;
      readonly partition: string;
      readonly stood: string | null;
    }
  /**
   * The batch can never be applied as it is (a key of the wrong type, a stored value that is not
   * an integer): nothing was written, and trying again would give the same answer.
   */
  | { readonly kind: 'refused'; readonly reason: string }
  /** A member's generation was stopped (see stopModel) and takes no changes: nothing was written. */
  | { readonly kind: 'stopped'; readonly model: string; readonly stop: ModelStop };

/** One member's share of the request: its keys by index, its aggregate changes as compact tuples. */
function encodeMember(
  { model, keys, fold }: LaneMemberWrite,
  ref: (key: string) => number,
): Record<string, unknown> {
  const keysByBucket = new Map<string, Set<number>>();
  const touch = (bucket: string | null, index: number) => {
    if (bucket === null) return;
    let set = keysByBucket.get(bucket);
    if (!set) keysByBucket.set(bucket, (set = new Set()));
    set.add(index);
  };
  const { deltas } = fold;
  // Grouped per hash, so the script reads each hash's stored totals with one HMGET.
  const countersByKey = new Map<number, Array<[string, string, number, string]>>();
  for (const c of deltas.counters.values()) {
    const index = ref(keys.counters(c.bucket));
    touch(c.bucket, index);
    const measure = model.top?.measure ?? '';
    const rankIndex = c.rankGroup === null ? 0 : ref(keys.ranking(measure, c.bucket));
    if (rankIndex > 0) touch(c.bucket, rankIndex);
    let changes = countersByKey.get(index);
    if (!changes) countersByKey.set(index, (changes = []));
    changes.push([c.field, c.delta.toString(), rankIndex, c.rankGroup ?? '']);
  }
  // Grouped per sorted set, so the script makes one ZREM and one ZADD per set, not one per row.
  const extremes: Array<[number, string[], string[]]> = [];
  for (const { measure, bucket, group, changes } of deltas.extremeChanges()) {
    const index = ref(keys.extremes(measure, bucket, group));
    touch(bucket, index);
    const removed: string[] = [];
    const added: string[] = [];
    for (const e of changes) {
      if (e.present) added.push(e.score, e.member);
      else removed.push(e.member);
    }
    extremes.push([index, removed, added]);
  }
  const distincts: Array<[number, string, string]> = [];
  for (const { measure, bucket, group, changes } of deltas.distinctChanges()) {
    const index = ref(keys.distinct(measure, bucket, group));
    touch(bucket, index);
    for (const d of changes) distincts.push([index, d.value, d.delta.toString()]);
  }
  const written = [...deltas.buckets].map(([label, startMs]) => [
    label,
    startMs,
    ref(keys.bucketKeys(label)),
    ...(keysByBucket.get(label) ?? []),
  ]);
  return {
    model: model.name,
    generation: String(model.generation ?? 0),
    meta: ref(keys.meta),
    offsets: ref(keys.offsets),
    buckets: ref(keys.buckets),
    generations: ref(keys.generations),
    channel: keys.channel,
    bucketKeys: keys.bucketKeys(''),
    counters: [...countersByKey],
    extremes,
    distincts,
    written,
    ...(fold.retainFromMs === null ? {} : { retainFrom: String(fold.retainFromMs) }),
    maxCommitTimeMs: fold.maxCommitTimeMs?.toString() ?? '',
  };
}

/**
 * KEYS and ARGV for one lane batch, built in one place. The lane's rows come first; every other
 * key is listed once in KEYS and referred to by index, so the script declares all it writes (one
 * hash slot). The members' changes travel as one JSON argument of compact tuples (their shapes are
 * the script's header), the rows as triples after it, so that thousands of rows cost the script
 * no decoding.
 */
export function encodeApplyLane({ rows, members, fold, offset, readPast = new Map() }: ApplyLaneRequest): {
  keys: string[];
  args: string[];
} {
  const keyList = [rows];
  const indexOf = new Map<string, number>();
  const ref = (key: string): number => {
    let index = indexOf.get(key);
    if (index === undefined) {
      keyList.push(key);
      index = keyList.length; // Lua's KEYS is 1-based
      indexOf.set(key, index);
    }
    return index;
  };
  const request = {
    members: members.map((member) => encodeMember(member, ref)),
    source: {
      lsn: fold.lastSource?.lsn.toString() ?? '',
      txId: fold.lastSource?.txId?.toString() ?? '',
      commitTimeMs: fold.lastSource?.commitTimeMs.toString() ?? '',
    },
    applied: String(fold.applied),
    duplicates: String(fold.duplicates),
    ...(offset === null
      ? {}
      : {
          offset: {
            partition: `${offset.topic}/${offset.partition}`,
            first: offset.first,
            next: offset.next,
            ...(offset.follows === true ? { follows: true } : {}),
          },
        }),
    ...(readPast.size === 0 ? {} : { readPast: [...readPast] }),
  };
  const args = [JSON.stringify(request)];
  // (forEach: iterating a Map's entries makes an array per row)
  fold.rows.forEach(({ expected, next }, rowKey) => {
    args.push(rowKey, expected === null ? '' : encodePosition(expected), encodeStoredRow(next));
  });
  return { keys: keyList, args };
}

const SCRIPT = 'apply-lane.lua';

export function decodeApplyLane(reply: unknown, members: readonly string[]): ApplyLaneOutcome {
  const tuple = replyTuple(SCRIPT, reply);
  const at = (index: number) => field(SCRIPT, tuple, index);
  switch (tuple[0]) {
    case 'applied': {
      if (tuple.length !== members.length + 1) throw unknownReply(SCRIPT, reply);
      return { kind: 'applied', versions: new Map(members.map((model, i) => [model, BigInt(at(i + 1))])) };
    }
    case 'moved':
      return { kind: 'moved', model: at(1), current: Number(at(2)) };
    case 'behind':
      return { kind: 'behind', model: at(1), stood: at(2) };
    case 'unread': {
      const stood = at(3);
      return { kind: 'unread', model: at(1), partition: at(2), stood: stood === '' ? null : stood };
    }
    case 'conflict':
      return { kind: 'conflict', rowKey: at(1) };
    case 'unfollowed':
      return { kind: 'unfollowed', model: at(1) };
    case 'refused':
      return { kind: 'refused', reason: at(1) };
    case 'stopped':
      return { kind: 'stopped', model: at(1), stop: JSON.parse(at(2)) as ModelStop };
    default:
      throw unknownReply(SCRIPT, reply);
  }
}

export async function runApplyLane(redis: RedisClient, request: ApplyLaneRequest): Promise<ApplyLaneOutcome> {
  const { keys, args } = encodeApplyLane(request);
  return decodeApplyLane(
    await runLuaScript(redis, applyLaneScript, keys, args),
    request.members.map((member) => member.model.name),
  );
}
