/**
 * Every Redis key and pub/sub channel Readout uses, in one place. A read model's keys share the
 * hash tag `{prefix:model}`, so one script can touch all of them on one Redis Cluster slot.
 */
export interface ModelKeys {
  /** Hash: "measure:group" → integer (counts, minor units). */
  readonly aggregate: string;
  /** Hash: row key → LSN of the last change applied to that row (kept after deletes). */
  readonly rowLsn: string;
  /** Hash: row key → JSON of what the row currently contributes. */
  readonly rowContribution: string;
  /** Hash: version, and the source position and time of the newest applied change. */
  readonly meta: string;
  /** Hash: "topic/partition" → the next Kafka offset after the last applied batch. */
  readonly offsets: string;
  /** Channel on which each applied batch publishes the model's new state. */
  readonly channel: string;
}

export function modelKeys(prefix: string, model: string): ModelKeys {
  const tag = `{${prefix}:${model}}`;
  return {
    aggregate: `${tag}:aggregate`,
    rowLsn: `${tag}:row-lsn`,
    rowContribution: `${tag}:row-contribution`,
    meta: `${tag}:meta`,
    offsets: `${tag}:offsets`,
    channel: `${prefix}:changes:${model}`,
  };
}

/** Hash: "topic/partition/offset" → JSON {reason, code, key, value}. */
export function deadLetterKey(prefix: string): string {
  return `${prefix}:dead-letters`;
}
