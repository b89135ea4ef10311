import { createApi, type Api } from '../api/index.js';
import type { ReadoutConfig } from '../config/index.js';
import { createHeldFeed, createLiveFeed } from '../live/index.js';
import { ErrorCode, ReadoutError } from '../errors/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { CompiledModel } from '../projection/index.js';
import {
  checkReadiness,
  createGuardStore,
  createRedisStore,
  heldChannel,
  modelKeys,
} from '../store/index.js';
import { untilSignal, type Command } from './command.js';
import { shutDownInOrder } from './shutdown.js';
import { loadModels, redisSettings } from './wiring.js';

export interface ApiWiring {
  readonly api: Api;
  readonly logger: Logger;
  /** The shutdown steps after the API stopped taking connections, in order. */
  readonly closeSteps: ReadonlyArray<readonly [string, () => unknown]>;
}

/**
 * The API's stages, wired from configuration. Nothing here talks to Redis yet: the API starts
 * whether Redis answers or not, and reports not ready until it does. `models` replaces the
 * definition files' (tests).
 */
export function wireApi(config: ReadoutConfig, models?: readonly CompiledModel[]): ApiWiring {
  if (config.api.apiKeys?.length === 0)
    throw new ReadoutError(
      ErrorCode.ConfigInvalid,
      'Invalid configuration:\n  READOUT_API_KEYS: expected at least one API key (comma-separated, 16+ characters each), or READOUT_API_AUTH=off for a local demo (got undefined)',
    );
  const logger = createLogger(config.logLevel, 'api');
  const byName = new Map((models ?? loadModels(config)).map((model) => [model.name, model]));
  const modelNamed = (name: string) => {
    const model = byName.get(name);
    if (!model) throw new Error(`unknown read model ${name}`);
    return model;
  };
  const redis = redisSettings(config, logger);
  const store = createRedisStore(redis);
  const guard = config.cleanup.massDeleteRows > 0 ? createGuardStore(redis) : null;
  const live = createLiveFeed({
    subscriber: store.subscriberConnection(),
    channelOf: (model) => modelKeys(config.redis.keyPrefix, model).channel,
    readSnapshot: (name) => store.readSnapshot(modelNamed(name)),
    readVersion: (name) => store.readVersion(modelNamed(name)),
    logger,
    coalesceMs: config.api.coalesceMs,
  });
  const held = createHeldFeed({
    subscriber: store.subscriberConnection(),
    channel: heldChannel(config.redis.keyPrefix),
    list: async () => (await guard?.listHeld()) ?? [],
    logger,
  });
  const api = createApi({
    context: { store, guard, live, held, models: byName, now: () => Date.now() },
    settings: config.api,
    logger,
    readiness: () => checkReadiness(store, byName, config.redis.keyPrefix),
  });
  return {
    api,
    logger,
    closeSteps: [
      ['closed WebSockets with 1001 and HTTP connections', () => api.closeConnections()],
      ['quit Redis', async () => Promise.all([live.close(), held.close(), store.quit(), guard?.quit()])],
    ],
  };
}

export const apiCommand: Command = {
  name: 'api',
  summary: 'serve GraphQL on /graphql (HTTP and graphql-ws), /healthz and /metrics',
  usage:
    'readout api\n  Listens on READOUT_API_HOST:READOUT_API_PORT until SIGTERM/SIGINT, then stops in order: no new\n  connections, WebSockets closed with 1001, Redis. Starts without Redis: /readyz says 503 and\n  queries get DEPENDENCY_UNAVAILABLE until it answers.',
  async run(config) {
    const { api, logger, closeSteps } = wireApi(config);
    await api.start();
    const signal = await untilSignal();
    logger.info({ signal }, 'api stopping');
    await shutDownInOrder(logger, [['stopped taking connections', () => api.stopAccepting()], ...closeSteps]);
  },
};
