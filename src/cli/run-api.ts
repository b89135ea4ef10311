import { createApi } from '../api/index.js';
import { createLiveFeed } from '../live/index.js';
import { createLogger } from '../log/logger.js';
import { createGuardStore, createRedisStore, modelKeys } from '../store/index.js';
import { untilSignal, type Command } from './command.js';
import { loadModels } from './wiring.js';

export const apiCommand: Command = {
  name: 'api',
  summary: 'serve GraphQL on /graphql (HTTP and graphql-ws), /healthz and /metrics',
  usage: 'readout api\n  Listens on READOUT_API_HOST:READOUT_API_PORT until SIGTERM/SIGINT.',
  async run(config) {
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
    });
    const api = createApi({
      context: { store, guard, live, models, now: () => Date.now() },
      ...config.api,
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
