import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SourceBatch } from '../ingest/index.ts';
import type { BatchStats } from './projector.ts';

/** Seconds from a change's commit in PostgreSQL: 5 ms … 5 min. */
const FRESHNESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface ProjectorMetrics {
  readonly contentType: string;
  /** Counts one handled batch: changes applied, skipped, dead-lettered, its time, lag and freshness. */
  observeBatch(batch: SourceBatch, stats: BatchStats, seconds: number): void;
  /** Counts one replay of a partition after Redis lost data. */
  observeReplay(topic: string, partition: number): void;
  render(): Promise<string>;
}

/** What each read model (the generation readers use) misses, read from Redis at each scrape. */
export type ModelHealth = () => Promise<
  ReadonlyArray<{ readonly model: string; readonly missedRecords: number; readonly stopped: boolean }>
>;

/** The projector's Prometheus metrics, served on its own port (cli/ops-server.ts). */
export function createProjectorMetrics(health?: ModelHealth): ProjectorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'readout_projector_' });
  const registers = [registry];
  const applied = new Counter({
    name: 'readout_changes_applied_total',
    help: 'Row changes applied to read models (one per change and model it feeds)',
    registers,
  });
  const duplicates = new Counter({
    name: 'readout_changes_duplicate_total',
    help: 'Row changes skipped because the stored row is already at or past them (redeliveries, replays)',
    registers,
  });
  const deadLettered = new Counter({
    name: 'readout_changes_dead_lettered_total',
    help: 'Records put in the dead-letter store (readout dead-letters list)',
    registers,
  });
  const batchSeconds = new Histogram({
    name: 'readout_batch_apply_seconds',
    help: 'Time to decode, fold and apply one partition batch to Redis',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const freshness = new Histogram({
    name: 'readout_freshness_applied_seconds',
    help: 'From a change commit in PostgreSQL to its batch applied in Redis (this machine clock)',
    buckets: FRESHNESS_BUCKETS,
    registers,
  });
  const lag = new Gauge({
    name: 'readout_consumer_lag_events',
    help: 'Records of the partition not yet applied, as of the last batch (high watermark - next offset)',
    labelNames: ['topic', 'partition'],
    registers,
  });
  const replays = new Counter({
    name: 'readout_redis_loss_replays_total',
    help: 'Partitions read again from Kafka because Redis lost data (flushed, restarted empty, older snapshot)',
    labelNames: ['topic', 'partition'],
    registers,
  });
  const slowestDecode = new Gauge({
    name: 'readout_decode_slowest_seconds',
    help: 'The most CPU time one record took to decode since the projector started (the clock would also count time the process was not running)',
    registers,
  });
  let slowest = 0;
  if (health) {
    // Read from Redis at scrape time (dead letters are dropped or reapplied by other processes),
    // once for both gauges.
    let reading: { readonly atMs: number; readonly result: ReturnType<ModelHealth> } | null = null;
    const current = () => {
      if (reading === null || Date.now() - reading.atMs > 1000)
        reading = { atMs: Date.now(), result: health() };
      return reading.result;
    };
    new Gauge({
      name: 'readout_read_model_missed_records',
      help: 'Records of a read model source that could not be applied (dead letters concerning it): its numbers lack them',
      labelNames: ['model'],
      registers,
      async collect() {
        for (const entry of await current()) this.set({ model: entry.model }, entry.missedRecords);
      },
    });
    new Gauge({
      name: 'readout_read_model_stopped',
      help: '1 while a read model takes no changes because its source schema changed (SOURCE_SCHEMA_CHANGED)',
      labelNames: ['model'],
      registers,
      async collect() {
        for (const entry of await current()) this.set({ model: entry.model }, entry.stopped ? 1 : 0);
      },
    });
  }
  return {
    contentType: registry.contentType,
    observeBatch(batch, stats, seconds) {
      applied.inc(stats.applied);
      duplicates.inc(stats.duplicates);
      deadLettered.inc(stats.deadLettered);
      if (stats.slowestDecodeMs / 1000 > slowest) slowestDecode.set((slowest = stats.slowestDecodeMs / 1000));
      batchSeconds.observe(seconds);
      const now = Date.now();
      for (const commitMs of stats.commitTimesMs) freshness.observe(Math.max(0, now - commitMs) / 1000);
      const next = BigInt(batch.records.at(-1)?.offset ?? '-1') + 1n;
      const behind = BigInt(batch.highWatermark) - next;
      lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(behind > 0n ? behind : 0n));
    },
    observeReplay(topic, partition) {
      replays.inc({ topic, partition: String(partition) });
    },
    render: () => registry.metrics(),
  };
}
