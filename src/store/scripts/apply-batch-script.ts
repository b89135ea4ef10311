import { encodePosition, type CompiledModel, type FoldResult } from '../../projection/index.ts';
import type { RedisClient } from '../connection.ts';
import type { ModelKeys } from '../keys.ts';
import { loadLuaScript, runLuaScript, type LuaScript } from '../lua-script.ts';
import { encodeStoredRow } from '../stored-row.ts';
import { field, replyTuple, unknownReply } from './script-reply.ts';

/** apply-batch.lua with the shared prelude. */
export const applyBatchScript: LuaScript = loadLuaScript('./scripts/apply-batch.lua', [
  './scripts/prelude.lua',
]);

/** A batch's Kafka partition, its first offset and the next offset to read. */
export interface BatchOffset {
  readonly topic: string;
  readonly partition: number;
  /** The batch's first offset: the model must stand there or beyond, or it lost writes. */
  readonly first: string;
  readonly next: string;
}

/** One folded batch of one model generation, as the apply script takes it. */
export interface ApplyBatchRequest {
  readonly model: CompiledModel;
  readonly keys: ModelKeys;
  readonly fold: FoldResult;
  /** Null for changes applied after their batch (see redis-store.ts BatchWrite). */
  readonly offset: BatchOffset | null;
  /** Per partition, the offset the model must have read past (changes applied after their batch). */
  readonly readPast?: ReadonlyMap<string, string>;
}

/** Why a model generation stopped taking changes, and at which record. */
export interface ModelStop {
  readonly code: string;
  readonly reason: string;
  /** The record that showed it: "topic/partition/offset". */
  readonly at: string;
}

/** What the apply script answers (see its header); anything else is a protocol error. */
/** Every kind of reply apply-batch.lua gives (the protocol test sees each one). */
export const APPLY_BATCH_REPLY_KINDS = [
  'applied',
  'conflict',
  'moved',
  'behind',
  'unread',
  'refused',
  'stopped',
] as const;

export type ApplyOutcome =
  | { readonly kind: 'applied'; readonly version: bigint }
  | { readonly kind: 'conflict'; readonly rowKey: string }
  /** The written generation is neither the current one nor the one being rebuilt (a switch happened). */
  | { readonly kind: 'moved'; readonly current: number }
  /** The model stands before the batch's first offset: Redis lost writes since they were made. */
  | { readonly kind: 'behind'; readonly stood: string }
  /** A change applied after its batch that the model has not read yet (see BatchWrite.readPast). */
  | { readonly kind: 'unread'; readonly partition: string; readonly stood: string | null }
  /**
   * The batch can never be applied as it is (a key of the wrong type, a stored value that is not
   * an integer): nothing was written, and trying again would give the same answer.
   */
  | { readonly kind: 'refused'; readonly reason: string }
  /** The generation was stopped (see stopModel) and takes no changes. */
  | { readonly kind: 'stopped'; readonly stop: ModelStop };

/**
 * KEYS and ARGV for one batch, built in one place. The fixed keys come first; every aggregate key
 * is listed once in KEYS and referred to by index, so the script declares all it writes (one hash
 * slot: they share the model's tag). The aggregate changes travel as one JSON argument of compact
 * tuples (their shapes are the script's header), the rows as triples after it, so that thousands
 * of rows cost the script no decoding.
 */
export function encodeApplyBatch({ model, keys, fold, offset, readPast = new Map() }: ApplyBatchRequest): {
  keys: string[];
  args: string[];
} {
  const keyList = [keys.rows, keys.meta, keys.offsets, keys.buckets, keys.generations];
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
  const keysByBucket = new Map<string, Set<number>>();
  const touch = (bucket: string | null, index: number) => {
    if (bucket === null) return;
    let set = keysByBucket.get(bucket);
    if (!set) keysByBucket.set(bucket, (set = new Set()));
    set.add(index);
  };

  // Grouped per hash, so the script reads each hash's stored totals with one HMGET.
  const countersByKey = new Map<number, Array<[string, string, number, string]>>();
  for (const c of fold.deltas.counters.values()) {
    const index = ref(keys.counters(c.bucket));
    touch(c.bucket, index);
    const measure = model.top?.measure ?? '';
    const rankIndex = c.rankGroup === null ? 0 : ref(keys.ranking(measure, c.bucket));
    if (rankIndex > 0) touch(c.bucket, rankIndex);
    let changes = countersByKey.get(index);
    if (!changes) countersByKey.set(index, (changes = []));
    changes.push([c.field, c.delta.toString(), rankIndex, c.rankGroup ?? '']);
  }
  const counters = [...countersByKey];
  // Grouped per sorted set, so the script makes one ZREM and one ZADD per set, not one per row.
  const extremesByKey = new Map<number, { removed: string[]; added: string[] }>();
  for (const e of fold.deltas.extremes.values()) {
    const index = ref(keys.extremes(e.measure, e.bucket, e.group));
    touch(e.bucket, index);
    let changes = extremesByKey.get(index);
    if (!changes) extremesByKey.set(index, (changes = { removed: [], added: [] }));
    if (e.present) changes.added.push(e.score, e.member);
    else changes.removed.push(e.member);
  }
  const extremes = [...extremesByKey].map(([index, { removed, added }]) => [index, removed, added]);
  const distincts = [...fold.deltas.distincts.values()].map((d) => {
    const index = ref(keys.distinct(d.measure, d.bucket, d.group));
    touch(d.bucket, index);
    return [index, d.value, d.delta.toString()];
  });
  const buckets = [...fold.deltas.buckets].map(([label, startMs]) => [
    label,
    startMs,
    ref(keys.bucketKeys(label)),
    ...(keysByBucket.get(label) ?? []),
  ]);

  const request = {
    model: model.name,
    generation: String(model.generation ?? 0),
    counters,
    extremes,
    distincts,
    buckets,
    ...(fold.retainFromMs === null ? {} : { retainFrom: String(fold.retainFromMs) }),
    source: {
      lsn: fold.lastSource?.lsn.toString() ?? '',
      txId: fold.lastSource?.txId?.toString() ?? '',
      commitTimeMs: fold.lastSource?.commitTimeMs.toString() ?? '',
    },
    maxCommitTimeMs: fold.maxCommitTimeMs?.toString() ?? '',
    applied: String(fold.applied),
    duplicates: String(fold.duplicates),
    ...(offset === null
      ? {}
      : {
          offset: {
            partition: `${offset.topic}/${offset.partition}`,
            first: offset.first,
            next: offset.next,
          },
        }),
    ...(readPast.size === 0 ? {} : { readPast: [...readPast] }),
  };
  const args = [keys.channel, keys.bucketKeys(''), JSON.stringify(request)];
  for (const [rowKey, { expected, next }] of fold.rows) {
    args.push(rowKey, expected === null ? '' : encodePosition(expected), encodeStoredRow(next));
  }
  return { keys: keyList, args };
}

const SCRIPT = 'apply-batch.lua';

export function decodeApplyBatch(reply: unknown): ApplyOutcome {
  const tuple = replyTuple(SCRIPT, reply);
  const detail = () => field(SCRIPT, tuple, 1);
  switch (tuple[0]) {
    case 'applied':
      return { kind: 'applied', version: BigInt(detail()) };
    case 'moved':
      return { kind: 'moved', current: Number(detail()) };
    case 'behind':
      return { kind: 'behind', stood: detail() };
    case 'unread': {
      const stood = field(SCRIPT, tuple, 2);
      return { kind: 'unread', partition: detail(), stood: stood === '' ? null : stood };
    }
    case 'conflict':
      return { kind: 'conflict', rowKey: detail() };
    case 'refused':
      return { kind: 'refused', reason: detail() };
    case 'stopped':
      return { kind: 'stopped', stop: JSON.parse(detail()) as ModelStop };
    default:
      throw unknownReply(SCRIPT, reply);
  }
}

export async function runApplyBatch(redis: RedisClient, request: ApplyBatchRequest): Promise<ApplyOutcome> {
  const { keys, args } = encodeApplyBatch(request);
  return decodeApplyBatch(await runLuaScript(redis, applyBatchScript, keys, args));
}
