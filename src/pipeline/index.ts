/** pipeline: the projector, wiring decode → projection → store for batches from ingest. */
export { createProjector } from './projector.js';
export type { BatchStats, Projector, ProjectorDeps } from './projector.js';
export { createStreamPositions } from './stream-positions.js';
export type { StreamPositions } from './stream-positions.js';
export { createProjectorMetrics } from './projector-metrics.js';
export type { ProjectorMetrics } from './projector-metrics.js';
export { createGenerations } from './generations.js';
export type { Generations, WriteTarget } from './generations.js';
export { rebuild } from './rebuild.js';
export type { RebuildProgress, RebuildResult } from './rebuild.js';
