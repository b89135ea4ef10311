import type { PartitionLag } from '../ingest/index.ts';
import {
  topologyTrouble,
  type GenerationState,
  type HeldChange,
  type NoticedLoss,
  type ReaderReadiness,
  type RedisTopology,
} from '../store/index.ts';

/** Everything `readout status` reports, as --json prints it. */
export interface StatusReport {
  readonly group: string;
  readonly keyPrefix: string;
  readonly at: string;
  /** Per partition of the source topics; `lagSeconds` is an upper bound (see lagSeconds()). */
  readonly consumer: ReadonlyArray<PartitionLag & { readonly lagSeconds: number }>;
  readonly readModels: ReadonlyArray<{
    readonly name: string;
    /**
     * `stale`: computed with another definition than the model's file (not served until rebuilt);
     * `empty`: no projector has taken it on; `backfilling`: reading its topic for the first time
     * (a first start, or a model added), served once it has read to the ends; `catching-up`:
     * replaying what Redis lost.
     */
    readonly state: 'ready' | 'empty' | 'backfilling' | 'catching-up' | 'stale' | 'stopped';
    readonly version: string;
    /** The generation of keys readers use (see readout rebuild). */
    readonly generation: number;
    /** A rebuild in progress: the generation it writes, and its phase. */
    readonly rebuild: {
      readonly generation: number;
      readonly phase: string;
      readonly since: string | null;
    } | null;
    readonly sourceCommitTime: string | null;
    readonly sourceLsn: string | null;
    readonly sourceTxId: string | null;
    readonly appliedAt: string | null;
    readonly catchUpTo: Readonly<Record<string, string>>;
    /** Per partition it is catching up on (a backfill or a replay), the offset it has read up to. */
    readonly reached: Readonly<Record<string, string>>;
    /** Why it backfills: `start` (Redis was new) or `added` (a model added to running processes). */
    readonly backfill: 'start' | 'added' | null;
    /** Records of its source it could not apply (dead letters that concern it): its numbers lack them. */
    readonly missedRecords: number;
    /** Why it stopped taking changes (its source's schema changed), or null. */
    readonly stopped: { readonly code: string; readonly reason: string; readonly at: string } | null;
  }>;
  readonly deadLetters: number;
  readonly held: readonly HeldChange[];
  readonly redisMemoryBytes: number;
  /** The single Redis or the cluster's nodes, and the losses of data projectors noticed (newest first). */
  readonly redis: { readonly topology: RedisTopology; readonly losses: readonly NoticedLoss[] };
  readonly api: { readonly url: string; readonly ready: boolean | null; readonly detail: string };
  /** What needs an operator, one line each (empty: healthy). */
  readonly trouble: readonly string[];
}

const iso = (ms: string | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/**
 * How long ago the newest change a partition's read models applied was committed, when the group
 * is behind on it (0 when it is not): an upper bound on how far behind in time its models are.
 */
export function lagSeconds(lag: PartitionLag, models: readonly ReaderReadiness[], nowMs: number): number {
  if (BigInt(lag.lag) === 0n) return 0;
  const newest = Math.max(0, ...models.map((m) => Number(m.source.commitTimeMs ?? 0)));
  return newest === 0 ? NaN : Math.round((nowMs - newest) / 100) / 10;
}

export function modelEntry(
  name: string,
  model: ReaderReadiness,
  generation: GenerationState | undefined,
  fingerprint: string,
  missedRecords: number,
): StatusReport['readModels'][number] {
  const current = generation?.current ?? 0;
  const definition = generation?.definitions.get(current);
  const stale = definition !== undefined && definition !== fingerprint;
  return {
    name,
    state:
      model.version === 0n
        ? 'empty'
        : model.stopped
          ? 'stopped'
          : stale
            ? 'stale'
            : model.backfilling !== null
              ? 'backfilling'
              : model.catchUp.size > 0
                ? 'catching-up'
                : 'ready',
    version: model.version.toString(),
    generation: current,
    rebuild:
      generation?.building === null || generation?.building === undefined
        ? null
        : {
            generation: generation.building,
            phase: generation.phase ?? 'replay',
            since: generation.sinceMs === null ? null : new Date(generation.sinceMs).toISOString(),
          },
    sourceCommitTime: iso(model.source.commitTimeMs),
    sourceLsn: model.source.lsn,
    sourceTxId: model.source.txId,
    appliedAt: iso(model.appliedAtMs),
    catchUpTo: Object.fromEntries(model.catchUp),
    reached: Object.fromEntries(model.reached),
    backfill: model.backfilling,
    missedRecords,
    stopped: model.stopped,
  };
}

/** The lines an operator must act on, with what to do; empty when all is well. */
export function troubleOf(report: Omit<StatusReport, 'trouble'>): string[] {
  const trouble: string[] = [];
  for (const model of report.readModels) {
    if (model.state === 'empty')
      trouble.push(
        `${model.name}: no projector has taken it on; is one running with this definition? (readout projector, or readout reload)`,
      );
    if (model.state === 'catching-up')
      trouble.push(`${model.name}: replaying what Redis lost; it serves again once caught up`);
    if (model.state === 'stale')
      trouble.push(
        `${model.name}: its definition changed since its data was computed; not served until rebuilt (readout rebuild ${model.name})`,
      );
    if (model.stopped)
      trouble.push(
        `${model.name}: stopped (${model.stopped.code} at ${model.stopped.at}): ${model.stopped.reason}`,
      );
    if (model.missedRecords > 0)
      trouble.push(
        `${model.name}: incomplete, ${model.missedRecords} records of its source could not be applied (readout dead-letters list says why; reapply after a fix, or drop)`,
      );
  }
  if (report.deadLetters > 0)
    trouble.push(`${report.deadLetters} dead letters: readout dead-letters list, then reapply or drop`);
  for (const held of report.held)
    trouble.push(
      `held ${held.kind} on ${held.table} (${held.id}): readout held release ${held.id} --as archive|retract`,
    );
  trouble.push(...topologyTrouble(report.redis.topology));
  if (report.api.ready !== true) trouble.push(`API not ready: ${report.api.detail}`);
  return trouble;
}

const pad = (text: string, width: number) => text.padEnd(width);

/** The cluster's shards (a single Redis takes one line) and the newest noticed loss. */
function redisLines({ topology, losses }: StatusReport['redis']): string[] {
  const lines: string[] = [];
  if (topology.mode === 'single')
    lines.push(`Redis:         single node ${topology.nodes[0]?.address ?? '?'}`);
  else {
    // A failed primary keeps its role in the cluster's view until it rejoins as a replica.
    const primaries = topology.nodes.filter((node) => node.role === 'primary' && node.slots > 0);
    const failed = topology.nodes.filter((node) => node.state === 'failed').map((node) => node.address);
    lines.push(
      `Redis:         cluster (${topology.clusterState ?? '?'}), ${primaries.length} primaries serving slots${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}`,
    );
    for (const primary of primaries) {
      const replicas = topology.nodes
        .filter((node) => node.role === 'replica' && node.primary === primary.address)
        .map((node) => `${node.address}${node.state === 'ok' ? '' : ` ${node.state}`}`);
      lines.push(
        `               ${pad(primary.address, 21)} ${pad(primary.state, 9)} ${pad(`${primary.slots} slots`, 11)} replicas: ${replicas.join(', ') || 'none'}`,
      );
    }
  }
  const newest = losses[0];
  if (newest) {
    const what =
      newest.kind === 'everything'
        ? 'found empty (flushed or restarted empty): every partition replayed'
        : `lost writes on ${newest.partition ?? '?'} (${newest.readers.join(', ')}): replayed`;
    lines.push(
      `Redis losses:  ${losses.length} noticed; newest ${new Date(newest.atMs).toISOString()}: ${what}`,
    );
  }
  return lines;
}

/** "read 1,200 of 4,000 offsets (…)": a backfill's or a replay's progress, per partition. */
function progressLine(m: StatusReport['readModels'][number]): string {
  const partitions = Object.entries(m.catchUpTo).map(
    ([partition, end]) => `${partition} at ${m.reached[partition] ?? '0'} of ${end}`,
  );
  const what =
    m.backfill === 'added'
      ? 'a new read model, reading its topic from the start'
      : m.backfill === 'start'
        ? 'a first start, reading its topic from the start'
        : 'replaying what Redis lost';
  return `${what}: ${partitions.join(', ')}`;
}

/** The human-readable report. */
export function renderStatus(report: StatusReport): string {
  const lines = [
    `Readout status: consumer group ${report.group}, key prefix ${report.keyPrefix}, at ${report.at}`,
    '',
  ];
  lines.push('Kafka consumer lag (per partition)');
  if (report.consumer.length === 0) lines.push('  (no source topic exists yet)');
  for (const p of report.consumer) {
    const seconds = Number.isNaN(p.lagSeconds)
      ? ''
      : p.lagSeconds > 0
        ? `, up to ${p.lagSeconds} s behind`
        : '';
    lines.push(
      `  ${pad(`${p.topic}/${p.partition}`, 36)} lag ${pad(p.lag, 8)} events${seconds}  (committed ${p.committed ?? 'nothing'} of ${p.high})`,
    );
  }
  lines.push('', 'Read models');
  for (const m of report.readModels) {
    const where = m.sourceCommitTime
      ? `as of commit ${m.sourceCommitTime} (LSN ${m.sourceLsn ?? '?'}, tx ${m.sourceTxId ?? '?'})`
      : 'no change applied';
    const rebuild = m.rebuild
      ? `; rebuilding into generation ${m.rebuild.generation} (${m.rebuild.phase})`
      : '';
    const missed = m.missedRecords > 0 ? `; MISSING ${m.missedRecords} records` : '';
    lines.push(`  ${pad(m.name, 28)} ${pad(m.state, 12)} ${where}${rebuild}${missed}`);
    if (m.state === 'backfilling' || m.state === 'catching-up')
      lines.push(`  ${pad('', 28)} ${pad('', 12)} ${progressLine(m)}`);
  }
  lines.push(
    '',
    `Dead letters:  ${report.deadLetters}`,
    `Held changes:  ${report.held.length === 0 ? 'none' : report.held.map((h) => `${h.id} (${h.rows} rows)`).join(', ')}`,
    `Redis memory:  ${(report.redisMemoryBytes / 2 ** 20).toFixed(1)} MiB`,
    ...redisLines(report.redis),
    `API:           ${report.api.ready === true ? 'ready' : report.api.ready === false ? 'NOT ready' : 'unreachable'} (${report.api.url})`,
    '',
  );
  if (report.trouble.length === 0) lines.push('Healthy.');
  else lines.push('Needs attention:', ...report.trouble.map((line) => `  - ${line}`));
  return lines.join('\n');
}
