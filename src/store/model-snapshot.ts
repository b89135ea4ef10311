/** A read model's state at one version, as stored and as published after each applied batch. */
export interface ModelSnapshot {
  readonly model: string;
  /** 0 before the first applied batch; +1 per applied batch. */
  readonly version: bigint;
  /** "measure:group" → exact integer as a decimal string. */
  readonly aggregate: Readonly<Record<string, string>>;
  readonly source: {
    readonly lsn: string | null;
    readonly txId: string | null;
    readonly commitTimeMs: string | null;
  };
  /** When Redis applied the newest batch, epoch ms (Redis's clock). */
  readonly appliedAtMs: string | null;
}

/** Redis returns hashes as flat [k, v, k, v] (from Lua, or `{}` when empty) or as objects. */
function toRecord(raw: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) record[String(raw[i])] = String(raw[i + 1]);
  } else if (typeof raw === 'object' && raw !== null) {
    for (const [key, value] of Object.entries(raw)) record[key] = String(value);
  }
  return record;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

export function snapshotFromHashes(model: string, aggregate: unknown, meta: unknown): ModelSnapshot {
  const metaRecord = toRecord(meta);
  return {
    model,
    version: BigInt(metaRecord.version ?? '0'),
    aggregate: toRecord(aggregate),
    source: {
      lsn: nonEmpty(metaRecord.lsn),
      txId: nonEmpty(metaRecord.txId),
      commitTimeMs: nonEmpty(metaRecord.commitTimeMs),
    },
    appliedAtMs: nonEmpty(metaRecord.appliedAtMs),
  };
}

/** Parses a notification published by the apply script; undefined when it is not one. */
export function snapshotFromNotification(message: string): ModelSnapshot | undefined {
  try {
    const parsed = JSON.parse(message) as { model?: unknown; aggregate?: unknown; meta?: unknown };
    if (typeof parsed.model !== 'string') return undefined;
    return snapshotFromHashes(parsed.model, parsed.aggregate, parsed.meta);
  } catch {
    return undefined;
  }
}
