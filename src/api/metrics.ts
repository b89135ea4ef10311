import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GuardStore } from '../store/index.ts';

export interface ApiMetrics {
  readonly contentType: string;
  /** The Prometheus text exposition, with gauges read from Redis at scrape time. */
  render(): Promise<string>;
  /** One message sent to one subscriber. */
  pushed(): void;
  /** A subscriber closed for not reading (4600). */
  slowClientClosed(): void;
  /** A new version computed for the subscribers of one subscription: its source commit time. */
  versionPushed(commitTimeMs: number | null): void;
  /** Where the live counts come from (set once the WebSocket server exists). */
  watch(live: { sockets(): number; subscriptions(): number }): void;
}

/**
 * Prometheus metrics served by the API on /metrics. The guard's gauges are read from Redis when
 * scraped, so every API process reports the same held changes (they live in Redis, not here).
 */
export function createApiMetrics({ guard }: { readonly guard: GuardStore | null }): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'readout_api_' });
  new Gauge({
    name: 'readout_held_changes',
    help: 'Changes held by the mass-delete guard for an operator decision (readout held list), per table and kind',
    labelNames: ['table', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const held of (await guard?.listHeld()) ?? []) this.inc({ table: held.table, kind: held.kind });
    },
  });
  new Gauge({
    name: 'readout_held_rows',
    help: 'Deletes waiting in held transactions, per table (a held TRUNCATE counts 0 rows)',
    labelNames: ['table'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const held of (await guard?.listHeld()) ?? []) this.inc({ table: held.table }, held.rows);
    },
  });
  new Gauge({
    name: 'readout_pending_delete_transactions',
    help: 'Transactions whose deletes wait for their END event before the guard decides (normally brief)',
    registers: [registry],
    async collect() {
      this.set((await guard?.countPending()) ?? 0);
    },
  });
  let live = { sockets: () => 0, subscriptions: () => 0 };
  new Gauge({
    name: 'readout_api_sockets',
    help: 'Open graphql-ws WebSockets',
    registers: [registry],
    collect() {
      this.set(live.sockets());
    },
  });
  new Gauge({
    name: 'readout_api_subscriptions',
    help: 'Active graphql-ws subscriptions',
    registers: [registry],
    collect() {
      this.set(live.subscriptions());
    },
  });
  const pushed = new Counter({
    name: 'readout_api_messages_pushed_total',
    help: 'Subscription messages sent to subscribers (one per subscriber and value)',
    registers: [registry],
  });
  const slow = new Counter({
    name: 'readout_api_slow_clients_closed_total',
    help: 'Sockets closed with 4600 because their unsent bytes passed READOUT_API_SLOW_CLIENT_BYTES',
    registers: [registry],
  });
  const freshness = new Histogram({
    name: 'readout_freshness_pushed_seconds',
    help: 'From a change commit in PostgreSQL to the new value being pushed to its subscribers (this machine clock)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    pushed: () => pushed.inc(),
    slowClientClosed: () => slow.inc(),
    versionPushed(commitTimeMs) {
      if (commitTimeMs !== null) freshness.observe(Math.max(0, Date.now() - commitTimeMs) / 1000);
    },
    watch(counts) {
      live = counts;
    },
  };
}
