import type { ModelStop } from './redis-store.ts';

/** One group of a read model in one time bucket, as stored: exact integers as bigints. */
export interface GroupState {
  /** The group's dimension values (without the time bucket), in definition order. */
  readonly group: ReadonlyArray<string | null>;
  /** Rows (state) or changes (flow) counted in this group. */
  readonly rows: bigint;
  /** "measure" or "measure.sum" / "measure.n" (avg) → exact integer. */
  readonly counters: Readonly<Record<string, bigint>>;
  /** min/max measure → the exact extreme value as text (null when no row has a value). */
  readonly extremes: Readonly<Record<string, string | null>>;
  /** distinct measure → number of distinct values. */
  readonly distincts: Readonly<Record<string, bigint>>;
}

export interface BucketState {
  /** The bucket's start as local time with offset, or null for models without time buckets. */
  readonly label: string | null;
  readonly startMs: number | null;
  readonly groups: readonly GroupState[];
  /** Groups of the ranked measure, best first (top-N models only). */
  readonly ranking: ReadonlyArray<ReadonlyArray<string | null>> | null;
}

/** A read model's state at one version. */
export interface ModelSnapshot {
  readonly model: string;
  /**
   * 0 before a projector first wrote the model (it is not ready: nothing is known yet); then grows
   * with every applied batch. It starts at the Redis clock in microseconds, and again after Redis
   * lost data, so it never goes back.
   */
  readonly version: bigint;
  /** Redis lost data and the projector is replaying it: the numbers are not right yet. */
  readonly catchingUp: boolean;
  /**
   * Records of the model's source this generation could not apply (dead letters that concern
   * it): while above 0 its numbers are incomplete.
   */
  readonly missedRecords: number;
  /** Why this generation stopped taking changes (its source's schema changed), or null. */
  readonly stopped: ModelStop | null;
  readonly buckets: readonly BucketState[];
  readonly source: {
    readonly lsn: string | null;
    readonly txId: string | null;
    readonly commitTimeMs: string | null;
  };
  /** When Redis applied the newest batch, epoch ms (Redis's clock). */
  readonly appliedAtMs: string | null;
  /** The generation of keys read (a rebuild makes a new one and switches readers to it). */
  readonly generation: number;
  /**
   * The fingerprint of the definition these numbers were computed with (CompiledModel's), or null
   * if none was recorded yet. Another than the file's means: rebuild before serving.
   */
  readonly definition: string | null;
}

/** What a subscriber is told after each applied batch: read the model again at this version. */
export interface VersionNotice {
  readonly model: string;
  readonly version: bigint;
}

export function parseVersionNotice(message: string): VersionNotice | undefined {
  try {
    const parsed = JSON.parse(message) as { model?: unknown; version?: unknown };
    if (typeof parsed.model !== 'string' || typeof parsed.version !== 'string') return undefined;
    return { model: parsed.model, version: BigInt(parsed.version) };
  } catch {
    return undefined;
  }
}

/** A model's snapshot before any change reached it (version 0: not ready). */
export function emptySnapshot(model: string): ModelSnapshot {
  return {
    model,
    version: 0n,
    buckets: [],
    source: { lsn: null, txId: null, commitTimeMs: null },
    appliedAtMs: null,
    catchingUp: false,
    missedRecords: 0,
    stopped: null,
    generation: 0,
    definition: null,
  };
}
