/** pipeline: the projector, wiring decode → projection → store for batches from ingest. */
export { createProjector } from './projector.ts';
export type { BatchStats, Projector, ProjectorDeps } from './projector.ts';
export { createStreamPositions } from './stream-positions.ts';
export type { StreamPositions } from './stream-positions.ts';
export { createProjectorMetrics } from './projector-metrics.ts';
export type { ProjectorMetrics } from './projector-metrics.ts';
export { createGenerations } from './generations.ts';
export type { Generations, WriteTarget } from './generations.ts';
export { rebuild } from './rebuild.ts';
export type { RebuildProgress, RebuildResult } from './rebuild.ts';
export { createBackfills } from './backfills.ts';
export type { Backfills } from './backfills.ts';
export { createProjectorService, canMove } from './projector-service.ts';
export type {
  ProjectorReadiness,
  ProjectorService,
  ProjectorServiceDeps,
  ProjectorStatus,
} from './projector-service.ts';
