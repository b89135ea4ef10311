import type { ReadoutConfig } from '../config/index.js';
import { loadDefinitions } from '../definitions/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createProjector, type Projector } from '../pipeline/index.js';
import { compileModel, type CompiledModel } from '../projection/index.js';
import { createRedisStore, type ReadModelStore } from '../store/index.js';

/** The read models, compiled from their definition files (every problem reported at once). */
export function loadModels(config: ReadoutConfig): CompiledModel[] {
  return loadDefinitions(config.readModelsDir).map(({ definition }) => compileModel(definition));
}

/** The source topic of each table the read models read. */
export function sourceTopics(config: ReadoutConfig, models: readonly CompiledModel[]): string[] {
  return [...new Set(models.map((model) => `${config.kafka.topicPrefix}.${model.table}`))];
}

export interface ProjectorWiring {
  readonly models: CompiledModel[];
  readonly store: ReadModelStore;
  readonly projector: Projector;
  readonly logger: Logger;
}

/** The projector's stages, wired from configuration (the composition root's one place for it). */
export function wireProjector(config: ReadoutConfig, component: string): ProjectorWiring {
  const logger = createLogger(config.logLevel, component);
  const models = loadModels(config);
  const store = createRedisStore(config.redis);
  return { models, store, logger, projector: createProjector({ models, store, logger }) };
}
