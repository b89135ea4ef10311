import { createApi } from '../api/index.js';
import { createHeldFeed, createLiveFeed } from '../live/index.js';
import { ErrorCode, ReadoutError } from '../errors/index.js';
import { createLogger } from '../log/logger.js';
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

export const apiCommand: Command = {
  name: 'api',
  summary: 'serve GraphQL on /graphql (HTTP and graphql-ws), /healthz and /metrics',
  usage:
    'readout api\n  Listens on READOUT_API_HOST:READOUT_API_PORT until SIGTERM/SIGINT, then stops in order: no new\n  connections, WebSockets closed with 1001, Redis.',
  async run(config) {
    if (config.api.apiKeys?.length === 0)
      throw new ReadoutError(
        ErrorCode.ConfigInvalid,
        'Invalid configuration:\n  READOUT_API_KEYS: expected at least one API key (comma-separated, 16+ characters each), or READOUT_API_AUTH=off for a local demo (got undefined)',
      );
    const logger = createLogger(config.logLevel, 'api');
    const models = new Map(loadModels(config).map((model) => [model.name, model]));
    const redis = redisSettings(config, logger);
    const store = createRedisStore(redis);
    const guard = config.cleanup.massDeleteRows > 0 ? createGuardStore(redis) : null;
    const live = createLiveFeed({
      subscriber: store.subscriberConnection(),
      channelOf: (model) => modelKeys(config.redis.keyPrefix, model).channel,
      readSnapshot: (name) => {
        const model = models.get(name);
        if (!model) throw new Error(`unknown read model ${name}`);
        return store.readSnapshot(model);
      },
      readVersion: (name) => {
        const model = models.get(name);
        if (!model) throw new Error(`unknown read model ${name}`);
        return store.readVersion(model);
      },
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
      context: { store, guard, live, held, models, now: () => Date.now() },
      settings: config.api,
      logger,
      readiness: () => checkReadiness(store, models, config.redis.keyPrefix),
    });
    await api.start();
    const signal = await untilSignal();
    logger.info({ signal }, 'api stopping');
    await shutDownInOrder(logger, [
      ['stopped taking connections', () => api.stopAccepting()],
      ['closed WebSockets with 1001 and HTTP connections', () => api.closeConnections()],
      ['quit Redis', async () => Promise.all([live.close(), held.close(), store.quit(), guard?.quit()])],
    ]);
  },
};
