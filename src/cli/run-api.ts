import { createApi, type Api } from '../api/index.ts';
import type { ReadoutConfig } from '../config/index.ts';
import { hostname } from 'node:os';
import {
  createHeldFeed,
  createLiveFeed,
  definitionChanges,
  watchDefinitionReloads,
  type DefinitionChanges,
} from '../live/index.ts';
import { ErrorCode, ReadoutError } from '../errors/index.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { CompiledModel } from '../projection/index.ts';
import {
  checkReadiness,
  connectRedis,
  createGuardStore,
  createRedisStore,
  definitionsReloadedChannel,
  heldChannel,
  modelKeys,
  reloadDefinitionsChannel,
} from '../store/index.ts';
import { untilSignal, type CommandRun } from './command.ts';
import { shutDownInOrder } from './shutdown.ts';
import { checkNames } from '../api/schema.ts';
import { checkSourceColumns } from './source-columns.ts';
import { loadModels, redisSettings } from './wiring.ts';

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
 * definition files' (tests); `listenToSignal` makes SIGHUP reload them (the process's own API).
 */
export function wireApi(
  config: ReadoutConfig,
  models?: readonly CompiledModel[],
  listenToSignal = false,
): ApiWiring {
  if (config.api.apiKeys?.length === 0)
    throw new ReadoutError(
      ErrorCode.ConfigInvalid,
      'Invalid configuration:\n  READOUT_API_KEYS: expected at least one API key (comma-separated, 16+ characters each), or READOUT_API_AUTH=off for a local demo (got undefined)',
    );
  const logger = createLogger(config.logLevel, 'api', config.logFormat);
  const byName = new Map((models ?? loadModels(config)).map((model) => [model.name, model]));
  /** Models a reload added: while no projector has taken one on, it does not take /readyz down. */
  const addedByReload = new Set<string>();
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
    channelOf: (name) => modelKeys(config.redis.keyPrefix, modelNamed(name)).channel,
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
    readiness: () => checkReadiness(store, byName, config.redis.keyPrefix, addedByReload),
  });
  const reloadNow = async (): Promise<DefinitionChanges> => {
    const next = loadModels(config); // every problem of the files at once, naming each file
    checkNames(next.map((model) => model.definition));
    // Refused as the projector refuses them (a column the table lacks), so both keep the same set.
    await checkSourceColumns(config, logger);
    const changes = definitionChanges([...byName.values()], next);
    // The models change with the schema: a field is never served without its model.
    await api.useDefinitions(
      next.map((model) => model.definition),
      () => {
        byName.clear();
        for (const model of next) byName.set(model.name, model);
        for (const name of changes.added) addedByReload.add(name);
        for (const name of changes.removed) addedByReload.delete(name);
      },
    );
    logger.info(changes, 'read-model definitions reloaded');
    return changes;
  };
  // One reload at a time, each reading the files when its turn comes: reloads started together
  // (a signal and `readout reload`) would otherwise install their schemas in the order their
  // source checks answered, and the last one installed could be the files as they were before.
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (): Promise<DefinitionChanges> => {
    const next = reloading.then(reloadNow);
    reloading = next.catch(() => undefined);
    return next;
  };
  // `readout reload` (a Redis channel every process hears) and SIGHUP: the schema follows.
  const publisher = connectRedis(redis);
  const reloads = watchDefinitionReloads({
    subscriber: store.subscriberConnection(),
    publisher,
    channel: reloadDefinitionsChannel(config.redis.keyPrefix),
    replyChannel: definitionsReloadedChannel(config.redis.keyPrefix),
    processName: `api ${process.pid}@${hostname()}`,
    logger,
    signal: listenToSignal ? 'SIGHUP' : null,
    onReload: async () => {
      try {
        return { ok: true, ...(await reload()) };
      } catch (error) {
        logger.error({ err: error }, 'definitions not reloaded: the previous ones are still served');
        throw error;
      }
    },
  });
  return {
    api,
    logger,
    reload,
    closeSteps: [
      ['closed WebSockets with 1001 and HTTP connections', () => api.closeConnections()],
      [
        'quit Redis',
        async () =>
          Promise.all([
            reloads.close(),
            publisher.quit(),
            live.close(),
            held.close(),
            store.quit(),
            guard?.quit(),
          ]),
      ],
    ],
  };
}

export const apiCommand: CommandRun = {
  async run(config) {
    // SIGHUP reloads the definitions, queued with `readout reload`'s requests.
    const { api, logger, closeSteps } = wireApi(config, undefined, true);
    await api.start();
    const signal = await untilSignal();
    logger.info({ signal }, 'api stopping');
    await shutDownInOrder(logger, [['stopped taking connections', () => api.stopAccepting()], ...closeSteps]);
  },
};
