/**
 * Every Redis key and pub/sub channel Readout uses, in one place. Every key of a table's read
 * models shares the table's hash tag `{prefix:t:<table>}`: all its models, all their generations
 * and the rows their lanes remember (lanes.ts), so one script applies a batch of the table to all
 * of them at once on one Redis Cluster slot. A model's keys start with `<tag>:m:<model>` (a
 * rebuild writes generation g under `<tag>:m:<model>:g<g>:`).
 */

/** A read model as its keys know it: its name and the table it reads. */
export interface ModelRef {
  readonly name: string;
  readonly table: string;
}

/**
 * The tag each model's keys had before one pass per table (issue 19): `{prefix:model}`. Only
 * looked for, to delete what an older Readout left (redis-store.ts dropLegacyLayout).
 */
export function legacyModelTag(prefix: string, model: string): string {
  return `{${prefix}:${model}}`;
}

/** The hash tag every key of one table's read models shares (one cluster slot). */
export function tableTag(prefix: string, table: string): string {
  return `{${prefix}:t:${table}}`;
}
export interface ModelKeys {
  /** What every data key of this generation starts with (scripts build bucket keys from it). */
  readonly base: string;
  /** Hash: which generation readers use ("current"), the one being rebuilt, definitions' fingerprints. */
  readonly generations: string;
  /**
   * Hash: row key → the position ("lsn:partition:offset:r|s") of the last change applied, then a
   * space and the JSON of the row's remembered columns; only the position once deleted (kept so a
   * replayed older change is still recognised).
   */
  readonly rows: string;
  /** Hash: version, and the source position and time of the newest applied change. */
  readonly meta: string;
  /** Hash: "topic/partition" → the next Kafka offset after the last applied batch. */
  readonly offsets: string;
  /** Sorted set: time bucket label → bucket start (epoch ms), for retention. */
  readonly buckets: string;
  /**
   * Set: the ids of dead letters that concern this generation (records it could not apply): while
   * it has any, the model's numbers are incomplete and say so.
   */
  readonly missed: string;
  /** Hash per bucket: "measure|group" → exact integer (counts, sums in minor units). */
  counters(bucket: string | null): string;
  /** Sorted set per measure, bucket and group: "value|row key" scored by value (min/max). */
  extremes(measure: string, bucket: string | null, group: string): string;
  /** Hash per measure, bucket and group: distinct value → number of rows with it. */
  distinct(measure: string, bucket: string | null, group: string): string;
  /** Sorted set per ranked measure and bucket: group → total (top-N). */
  ranking(measure: string, bucket: string | null): string;
  /** Set per bucket: every key written for that bucket, deleted together when it expires. */
  bucketKeys(bucket: string): string;
  /**
   * Shard channel (SPUBLISH) on which each applied batch announces the model's new version; it
   * shares the tag, so the script that applies the batch may announce it on a cluster.
   */
  readonly channel: string;
}

/** The label of the one bucket of a model without time buckets. */
export const NO_BUCKET = '-';

/**
 * What follows a generation's base in each of its keys. The only place these are written: the
 * functions below use them, and scripts that find keys as they run (a bucket's label, the current
 * generation) receive them from `modelKeyLayout`.
 */
export const KEY_SUFFIX = {
  rows: ':rows',
  meta: ':meta',
  offsets: ':offsets',
  buckets: ':buckets',
  missed: ':missed',
  counters: ':agg:',
  extremes: ':ext:',
  distinct: ':dst:',
  ranking: ':rank:',
  bucketKeys: ':bucket-keys:',
} as const;

/** What every key of one model starts with (generation 0's base). */
function modelBase(prefix: string, model: ModelRef): string {
  return `${tableTag(prefix, model.table)}:m:${model.name}`;
}

export function modelKeys(prefix: string, model: ModelRef, generation = 0): ModelKeys {
  const tag = modelBase(prefix, model);
  const base = generation === 0 ? tag : `${tag}:g${generation}`;
  const x = KEY_SUFFIX;
  return {
    base,
    generations: `${tag}:generation`,
    rows: base + x.rows,
    meta: base + x.meta,
    offsets: base + x.offsets,
    buckets: base + x.buckets,
    missed: base + x.missed,
    counters: (bucket) => `${base}${x.counters}${bucket ?? NO_BUCKET}`,
    extremes: (measure, bucket, group) => `${base}${x.extremes}${measure}:${bucket ?? NO_BUCKET}:${group}`,
    distinct: (measure, bucket, group) => `${base}${x.distinct}${measure}:${bucket ?? NO_BUCKET}:${group}`,
    ranking: (measure, bucket) => `${base}${x.ranking}${measure}:${bucket ?? NO_BUCKET}`,
    bucketKeys: (bucket) => base + x.bucketKeys + bucket,
    channel: `${tag}:changes`,
  };
}

/**
 * How a script that learns the generation as it runs (the read script: readers use whichever is
 * current at that instant) names that generation's keys: generation 0's base is `tag`, another's
 * is `generationPrefix` followed by its number; then the suffixes above, and for keys per
 * measure, bucket and group the parts joined by ':' as in `modelKeys`.
 */
export function modelKeyLayout(prefix: string, model: ModelRef) {
  const tag = modelBase(prefix, model);
  return { tag, generationPrefix: `${tag}:g`, noBucket: NO_BUCKET, suffix: KEY_SUFFIX };
}

/** The keys of one table's lanes (lanes.ts). */
export interface TableLaneKeys {
  /** Hash: "model#generation" → the lane that generation writes with. */
  readonly registry: string;
  /** Hash per lane: row key → the position of its last change, then its remembered columns. */
  rows(lane: string): string;
}

export function tableLaneKeys(prefix: string, table: string): TableLaneKeys {
  const tag = tableTag(prefix, table);
  return { registry: `${tag}:lanes`, rows: (lane) => `${tag}:lane:${lane}:rows` };
}

/** Does `key` belong to generation `generation` of the model whose keys are `keys`? */
export function isKeyOfGeneration(key: string, keys: ModelKeys, generation: number): boolean {
  if (!key.startsWith(`${keys.base}:`) || key === keys.generations) return false;
  // Generation 0's base is the bare tag, a prefix of every other generation's keys.
  return generation !== 0 || !/^:g\d+:/.test(key.slice(keys.base.length));
}

/** The tag every key of the mass-delete guard shares (one cluster slot). */
export function guardTag(prefix: string): string {
  return `{${prefix}:guard}`;
}

/** Channel told (with the held id) whenever the guard's held set changes. */
export function heldChannel(prefix: string): string {
  return `${guardTag(prefix)}:held-changed`;
}

/** Every key of the mass-delete guard (guard-store.ts, guard.lua and its positions). */
export interface GuardKeys {
  /** Hash: held id → JSON of the held change. */
  readonly held: string;
  /** Hash: a transaction's field ("table|txId") → the id its deletes are held under. */
  readonly heldTx: string;
  /** Hash: a transaction's field, or a TRUNCATE's held id → the operator's decision. */
  readonly decided: string;
  /** Hash: txId → its END's counts per table (JSON), and when each came (sorted set). */
  readonly ends: string;
  readonly endsAt: string;
  /** Set of the transaction fields that have pending deletes. */
  readonly pendingIndex: string;
  /** The guard's place in the transaction topic, as a reader's (positions.ts). */
  readonly meta: string;
  readonly offsets: string;
  /** Hash: entry id → entry, for the untagged deletes of one transaction and table awaiting its END. */
  pending(table: string, txId: string): string;
  /** Hash: entry id → entry, for the changes held under one id. */
  heldRows(id: string): string;
}

export function guardKeys(prefix: string): GuardKeys {
  const tag = guardTag(prefix);
  return {
    held: `${tag}:held`,
    heldTx: `${tag}:held-tx`,
    decided: `${tag}:decided`,
    ends: `${tag}:ends`,
    endsAt: `${tag}:ends-at`,
    pendingIndex: `${tag}:pending-index`,
    meta: `${tag}:meta`,
    offsets: `${tag}:offsets`,
    pending: (table, txId) => `${tag}:pending:${table}:${txId}`,
    heldRows: (id) => `${tag}:held-rows:${id}`,
  };
}

/** A transaction's field in the guard's hashes and pending index. */
export const transactionField = (table: string, txId: string): string => `${table}|${txId}`;

/** The id a transaction's held deletes of one table are known by (operators name it). */
export const heldDeletesId = (table: string, txId: string): string => `${table}/tx/${txId}`;

/** Hash: "topic/partition/offset" → JSON {code, reason, key, value}. */
export function deadLetterKey(prefix: string): string {
  return `${prefix}:dead-letters`;
}

/**
 * Set by a projector once Redis holds its read models; absent after a flush or an empty restart,
 * which is how the projector tells "Redis lost everything" from "nothing happened".
 */
export function loadedMarkerKey(prefix: string): string {
  return `${prefix}:loaded`;
}

/** List (newest first, capped): each loss of data a projector noticed in Redis, as JSON (status shows them). */
export function lossLogKey(prefix: string): string {
  return `${prefix}:losses`;
}

/**
 * Shard channel on which `readout reload` asks every projector and API process, on every host, to
 * read the read-model definitions again (JSON `{"id"}`); each answers on
 * `definitionsReloadedChannel` with what changed for it. Both share one tag (one cluster slot).
 */
export function reloadDefinitionsChannel(prefix: string): string {
  return `{${prefix}:control}:reload-definitions`;
}

/** Where each process answers a reload request (JSON: the request's id, the process, what changed). */
export function definitionsReloadedChannel(prefix: string): string {
  return `{${prefix}:control}:definitions-reloaded`;
}
