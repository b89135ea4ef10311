import { loadConfig, type ReadoutConfig } from '../../src/config/index.ts';
import { wireApi } from '../../src/cli/run-api.ts';
import type { DefinitionChanges } from '../../src/live/index.ts';
import { foldBatch, type CompiledModel } from '../../src/projection/index.ts';
import type { ReadModelStore } from '../../src/store/index.ts';
import { buildHistory } from './order-history.ts';

export interface InProcessApi {
  /** http://127.0.0.1:<port>/graphql (the same path serves graphql-ws). */
  readonly url: string;
  readonly config: ReadoutConfig;
  /** What SIGHUP does to `readout api`: reads the definitions again and serves them. */
  reload(): Promise<DefinitionChanges>;
  stop(): Promise<void>;
}

/**
 * The API as `readout api` wires it (src/cli/run-api.ts), in this process on a free port:
 * `env` as the process environment would be (no auth and quiet unless it says otherwise).
 */
export async function startApiInProcess(
  env: Record<string, string>,
  models?: readonly CompiledModel[],
): Promise<InProcessApi> {
  const loaded = loadConfig({ READOUT_API_AUTH: 'off', READOUT_LOG_LEVEL: 'silent', ...env });
  const config = { ...loaded, api: { ...loaded.api, port: 0 } };
  const wiring = wireApi(config, models);
  const { api, closeSteps } = wiring;
  const url = await api.start();
  return {
    url,
    config,
    reload: () => wiring.reload(),
    async stop() {
      api.stopAccepting();
      for (const [, step] of closeSteps) await step();
    },
  };
}

/** Applies one batch of paid orders (cents, customer) to a model, as a projector would. */
export async function applyPaidOrders(
  store: ReadModelStore,
  model: CompiledModel,
  orders: ReadonlyArray<readonly [number, 'acme' | 'globex']>,
  firstKey = 1,
): Promise<bigint> {
  const { events } = buildHistory(
    orders.map(([cents, customer], i) => ({
      key: firstKey + i,
      status: 'paid' as const,
      cents,
      customer,
      createdHours: 1,
      gapMinutes: 1,
    })),
  );
  const state = await store.readModelState(model, [...new Set(events.map((e) => e.rowKey))]);
  const outcome = await store.applyBatch(model, { fold: foldBatch(model, events, state), offset: null });
  if (outcome.kind !== 'applied') throw new Error(`batch not applied: ${outcome.kind}`);
  return outcome.version;
}
