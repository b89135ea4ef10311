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
import { checkNames } from '../api/schema.ts';
import { loadModels, redisSettings } from './wiring.ts';

/** What a reload changed, by model name. */
export interface DefinitionChanges {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

export function definitionChanges(
  before: ReadonlyMap<string, CompiledModel>,
  after: readonly CompiledModel[],
): DefinitionChanges {
  const names = new Set(after.map((model) => model.name));
  return {
    added: after.filter((model) => !before.has(model.name)).map((model) => model.name),
    changed: after
      .filter((model) => {
        const old = before.get(model.name);
        return old !== undefined && JSON.stringify(old.definition) !== JSON.stringify(model.definition);
      })
      .map((model) => model.name),
    removed: [...before.keys()].filter((name) => !names.has(name)),
  };
}

export interface ApiWiring {
  readonly api: Api;
  readonly logger: Logger;
  /**
   * Reads the definitions again and serves them: new models get their typed fields, changed ones
   * answer with their new definition (stale until rebuilt), removed ones are gone. Throws, serving
   * the previous definitions still, when the files are invalid.
   */
  reload(): Promise<DefinitionChanges>;
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
    async reload() {
      const next = loadModels(config); // every problem of the files at once, naming each file
      checkNames(next.map((model) => model.definition));
      const changes = definitionChanges(byName, next);
      byName.clear();
      for (const model of next) byName.set(model.name, model);
      await api.useDefinitions(next.map((model) => model.definition));
      logger.info(changes, 'read-model definitions reloaded');
      return changes;
    },
    closeSteps: [
      ['closed WebSockets with 1001 and HTTP connections', () => api.closeConnections()],
      ['quit Redis', async () => Promise.all([live.close(), held.close(), store.quit(), guard?.quit()])],
    ],
  };
}

export const apiCommand: CommandRun = {
  async run(config) {
    const wiring = wireApi(config);
    const { api, logger, closeSteps } = wiring;
    await api.start();
    // SIGHUP: read the definitions again (bad files are logged, the previous ones kept).
    process.on('SIGHUP', () => {
      wiring
        .reload()
        .catch((error: unknown) =>
          logger.error({ err: error }, 'definitions not reloaded: the previous ones are still served'),
        );
    });
    const signal = await untilSignal();
    logger.info({ signal }, 'api stopping');
    await shutDownInOrder(logger, [['stopped taking connections', () => api.stopAccepting()], ...closeSteps]);
  },
};
