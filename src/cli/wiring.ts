import type { ReadoutConfig } from '../config/index.ts';
import { loadDefinitions, loadSources } from '../definitions/index.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { createGenerations, createProjector, type Generations, type Projector } from '../pipeline/index.ts';
import { compileModel, type CompiledModel } from '../projection/index.ts';
import {
  createGuardStore,
  createRedisStore,
  withRowCache,
  type GuardStore,
  type ReadModelStore,
} from '../store/index.ts';
import { createCleanupRules } from '../cleanup/index.ts';

/**
 * The read models, compiled from their definition files with their tables' settings from
 * sources.yaml (every problem reported at once).
 */
export function loadModels(config: ReadoutConfig): CompiledModel[] {
  const sources = new Map(loadSources(config.readModelsDir).map((source) => [source.table, source]));
  return loadDefinitions(config.readModelsDir).map(({ definition }) =>
    compileModel(definition, sources.get(definition.source)),
  );
}

/** Debezium's transaction metadata topic (provide.transaction.metadata=true). */
export function transactionTopic(config: ReadoutConfig): string {
  return `${config.kafka.topicPrefix}.transaction`;
}

/** The Debezium topic of a model's table. */
export function topicOf(config: ReadoutConfig, model: CompiledModel): string {
  return `${config.kafka.topicPrefix}.${model.table}`;
}

/** The source topic of each table the read models read, and the transaction topic when guarding. */
export function sourceTopics(config: ReadoutConfig, models: readonly CompiledModel[]): string[] {
  const tables = [...new Set(models.map((model) => topicOf(config, model)))];
  return config.cleanup.massDeleteRows > 0 ? [...tables, transactionTopic(config)] : tables;
}

export interface ProjectorWiring {
  readonly models: CompiledModel[];
  readonly store: ReadModelStore;
  readonly guard: GuardStore | null;
  readonly projector: Projector;
  /** Which generation of each model to write: refresh() before the projector writes anything. */
  readonly generations: Generations;
  readonly logger: Logger;
  /**
   * A projector over other definitions (a reload): the models' generations come from
   * `generations` (setModels first), the cleanup rules from sources.yaml as it is now.
   */
  readonly projectorFor: (models: readonly CompiledModel[]) => Projector;
}

/** Redis settings whose outages are logged once each (ioredis reconnects by itself). */
export function redisSettings(config: ReadoutConfig, logger: Logger) {
  return {
    ...config.redis,
    onConnectionLost: (error: Error) =>
      logger.warn({ err: error }, 'Redis unreachable: reconnecting (reads and writes fail until it is back)'),
  };
}

/** The projector's stages, wired from configuration (the composition root's one place for it). */
export function wireProjector(config: ReadoutConfig, component: string): ProjectorWiring {
  const logger = createLogger(config.logLevel, component, config.logFormat);
  const models = loadModels(config);
  const redis = redisSettings(config, logger);
  const store = withRowCache(createRedisStore(redis), config.rowCacheRows);
  const guard = config.cleanup.massDeleteRows > 0 ? createGuardStore(redis) : null;
  const generations = createGenerations({
    models,
    store,
    keyPrefix: config.redis.keyPrefix,
    topicOf: (model) => topicOf(config, model),
    logger,
  });
  const targets = () => generations.targets().map((target) => target.model);
  const projectorFor = (models: readonly CompiledModel[]) =>
    createProjector({
      models,
      targets,
      store,
      logger,
      cleanup: {
        rules: createCleanupRules(loadSources(config.readModelsDir), config.cleanup),
        guard,
        transactionTopic: transactionTopic(config),
      },
      topicOf: (model) => topicOf(config, model),
      decodeLimits: config.decode,
    });
  return { models, store, guard, logger, generations, projector: projectorFor(models), projectorFor };
}
