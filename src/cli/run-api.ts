import { createApi } from '../api/index.js';
import { createLiveFeed } from '../live/index.js';
import { ErrorCode, ReadoutError } from '../errors/index.js';
import { createLogger } from '../log/logger.js';
import { createGuardStore, createRedisStore, modelKeys } from '../store/index.js';
import { untilSignal, type Command } from './command.js';
import { loadModels } from './wiring.js';

export const apiCommand: Command = {
  name: 'api',
  summary: 'serve GraphQL on /graphql (HTTP and graphql-ws), /healthz and /metrics',
  usage: 'readout api\n  Listens on READOUT_API_HOST:READOUT_API_PORT until SIGTERM/SIGINT.',
  async run(config) {
    if (config.api.apiKeys?.length === 0)
      throw new ReadoutError(
        ErrorCode.ConfigInvalid,
        'Invalid configuration:\n  READOUT_API_KEYS: expected at least one API key (comma-separated, 16+ characters each), or READOUT_API_AUTH=off for a local demo (got undefined)',
      );
    const logger = createLogger(config.logLevel, 'api');
    const models = new Map(loadModels(config).map((model) => [model.name, model]));
    const store = createRedisStore(config.redis);
    const guard = config.cleanup.massDeleteRows > 0 ? createGuardStore(config.redis) : null;
    const live = createLiveFeed({
      subscriber: store.duplicateConnection(),
      channelOf: (model) => modelKeys(config.redis.keyPrefix, model).channel,
      readSnapshot: (name) => {
        const model = models.get(name);
        if (!model) throw new Error(`unknown read model ${name}`);
        return store.readSnapshot(model);
      },
      logger,
      coalesceMs: config.api.coalesceMs,
    });
    const api = createApi({
      context: { store, guard, live, models, now: () => Date.now() },
      settings: config.api,
      logger,
    });
    await api.start();
    const signal = await untilSignal();
    logger.info({ signal }, 'api stopping');
    await api.stop();
    await live.close();
    await store.quit();
    await guard?.quit();
  },
};
