import { createApi, type Api } from '../api/index.ts';
import type { ReadoutConfig } from '../config/index.ts';
import { createHeldFeed, createLiveFeed } from '../live/index.ts';
import { ErrorCode, ReadoutError } from '../errors/index.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { CompiledModel } from '../projection/index.ts';
import {
  checkReadiness,
  createGuardStore,
  createRedisStore,
  heldChannel,
  modelKeys,
} from '../store/index.ts';
import { untilSignal, type CommandRun } from './command.ts';
import { shutDownInOrder } from './shutdown.ts';
import { loadModels, redisSettings } from './wiring.ts';

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
  const logger = createLogger(config.logLevel, 'api', config.logFormat);
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

export const apiCommand: CommandRun = {
  async run(config) {
    const { api, logger, closeSteps } = wireApi(config);
    await api.start();
    const signal = await untilSignal();
    logger.info({ signal }, 'api stopping');
    await shutDownInOrder(logger, [['stopped taking connections', () => api.stopAccepting()], ...closeSteps]);
  },
};
