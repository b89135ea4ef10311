import { valueOfExtremeMember } from '../projection/index.ts';
import type { BucketState, ModelSnapshot } from './model-snapshot.ts';
import type { ModelStop } from './redis-store.ts';

/** The read script's JSON: Lua's cjson writes an empty table as {} where an array was meant. */
interface RawBucket {
  label: string;
  start: string;
  counters: string[] | Record<string, never>;
  extremes: Array<[string, string, string]> | Record<string, never>;
  distincts: Array<[string, string, string]> | Record<string, never>;
  ranking?: string[] | Record<string, never>;
}
interface RawRead {
  meta: string[] | Record<string, never>;
  generation: string;
  definition: string;
  missed: number;
  buckets: RawBucket[] | Record<string, never>;
}

function list<T>(value: T[] | Record<string, never> | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

function pairs(flat: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i] ?? '', flat[i + 1] ?? '');
  return map;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

interface MutableGroup {
  group: Array<string | null>;
  rows: bigint;
  counters: Record<string, bigint>;
  extremes: Record<string, string | null>;
  distincts: Record<string, bigint>;
}

/** The ranked measure and how many places the model keeps. */
export interface RankingRequest {
  readonly measure: string;
  readonly limit: number;
}

/**
 * The ranking in exact order: the script gives the top places by double score and, when a double
 * could not tell totals apart, every group tied at the last place; the exact totals decide (equal
 * totals keep the script's order, as ZREVRANGE gives them).
 */
function exactRanking(
  candidates: readonly string[],
  groups: ReadonlyMap<string, MutableGroup>,
  ranking: RankingRequest,
): Array<Array<string | null>> {
  const total = (group: string) => groups.get(group)?.counters[ranking.measure] ?? 0n;
  return [...new Set(candidates)]
    .map((group) => ({ group, total: total(group) }))
    .sort((a, b) => (a.total === b.total ? 0 : a.total > b.total ? -1 : 1))
    .slice(0, ranking.limit)
    .map(({ group }) => JSON.parse(group) as Array<string | null>);
}

function decodeBucket(raw: RawBucket, ranking: RankingRequest | null): BucketState {
  const groups = new Map<string, MutableGroup>();
  const groupOf = (key: string): MutableGroup => {
    let found = groups.get(key);
    if (!found) {
      found = {
        group: JSON.parse(key) as Array<string | null>,
        rows: 0n,
        counters: {},
        extremes: {},
        distincts: {},
      };
      groups.set(key, found);
    }
    return found;
  };
  for (const [field, value] of pairs(list(raw.counters))) {
    const separator = field.indexOf('|');
    const measure = field.slice(0, separator);
    const group = groupOf(field.slice(separator + 1));
    if (measure === '_rows') group.rows = BigInt(value);
    else group.counters[measure] = BigInt(value);
  }
  for (const [measure, group, member] of list(raw.extremes)) {
    groupOf(group).extremes[measure] = valueOfExtremeMember(member);
  }
  for (const [measure, group, count] of list(raw.distincts))
    groupOf(group).distincts[measure] = BigInt(count);
  const bucketed = raw.label !== '-';
  return {
    label: bucketed ? raw.label : null,
    startMs: bucketed ? Number(raw.start) : null,
    groups: [...groups.values()].filter((g) => g.rows > 0n),
    ranking:
      raw.ranking === undefined || ranking === null ? null : exactRanking(list(raw.ranking), groups, ranking),
  };
}

/** A generation's stop, as its meta keeps it (JSON), or null while it takes changes. */
export function stopOf(text: string | undefined): ModelStop | null {
  return text === undefined || text === '' ? null : (JSON.parse(text) as ModelStop);
}

/** Turns the read script's answer into a snapshot. */
export function snapshotFromRead(model: string, json: string, ranking: RankingRequest | null): ModelSnapshot {
  const raw = JSON.parse(json) as RawRead;
  const meta = pairs(list(raw.meta));
  return {
    model,
    version: BigInt(meta.get('version') ?? '0'),
    buckets: list(raw.buckets).map((bucket) => decodeBucket(bucket, ranking)),
    source: {
      lsn: nonEmpty(meta.get('lsn')),
      txId: nonEmpty(meta.get('txId')),
      commitTimeMs: nonEmpty(meta.get('commitTimeMs')),
    },
    appliedAtMs: nonEmpty(meta.get('appliedAtMs')),
    catchingUp: [...meta.keys()].some((field) => field.startsWith('catch-up:')),
    missedRecords: raw.missed,
    stopped: stopOf(meta.get('stopped')),
    generation: Number(raw.generation),
    definition: nonEmpty(raw.definition),
  };
}
