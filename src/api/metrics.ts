import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { GuardStore } from '../store/index.js';

export interface ApiMetrics {
  readonly contentType: string;
  /** The Prometheus text exposition, with gauges read from Redis at scrape time. */
  render(): Promise<string>;
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
  return { contentType: registry.contentType, render: () => registry.metrics() };
}
