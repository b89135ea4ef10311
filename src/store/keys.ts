/**
 * Every Redis key and pub/sub channel Readout uses, in one place. A read model's keys share the
 * hash tag `{prefix:model}`, so one script can touch all of them on one Redis Cluster slot, all
 * its generations included (a rebuild writes generation g under `{prefix:model}:g<g>:`).
 */
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

const NO_BUCKET = '-';

/** Generation 0 keeps the names Readout used before rebuilds existed. */
export function modelKeys(prefix: string, model: string, generation = 0): ModelKeys {
  const tag = `{${prefix}:${model}}`;
  const base = generation === 0 ? tag : `${tag}:g${generation}`;
  return {
    base,
    generations: `${tag}:generation`,
    rows: `${base}:rows`,
    meta: `${base}:meta`,
    offsets: `${base}:offsets`,
    buckets: `${base}:buckets`,
    missed: `${base}:missed`,
    counters: (bucket) => `${base}:agg:${bucket ?? NO_BUCKET}`,
    extremes: (measure, bucket, group) => `${base}:ext:${measure}:${bucket ?? NO_BUCKET}:${group}`,
    distinct: (measure, bucket, group) => `${base}:dst:${measure}:${bucket ?? NO_BUCKET}:${group}`,
    ranking: (measure, bucket) => `${base}:rank:${measure}:${bucket ?? NO_BUCKET}`,
    bucketKeys: (bucket) => `${base}:bucket-keys:${bucket}`,
    channel: `${tag}:changes`,
  };
}

/** Does `key` belong to generation `generation` of the model whose keys are `keys`? */
export function isKeyOfGeneration(key: string, keys: ModelKeys, generation: number): boolean {
  if (!key.startsWith(`${keys.base}:`) || key === keys.generations) return false;
  // Generation 0's base is the bare tag, a prefix of every other generation's keys.
  return generation !== 0 || !/^:g\d+:/.test(key.slice(keys.base.length));
}

/**
 * The mass-delete guard's keys share this tag (one cluster slot): `<tag>:held` (hash: held id →
 * JSON), `<tag>:held-rows:<id>`, `<tag>:pending:<table>:<txId>` (hash: "partition/offset" → entry),
 * `<tag>:pending-index`, `<tag>:held-tx`, `<tag>:decided`, `<tag>:ends`, `<tag>:ends-at`
 * (built by guard.lua from the tag).
 */
export function guardTag(prefix: string): string {
  return `{${prefix}:guard}`;
}

/** Channel told (with the held id) whenever the guard's held set changes; guard.lua builds it too. */
export function heldChannel(prefix: string): string {
  return `${guardTag(prefix)}:held-changed`;
}

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
