/** pipeline: the projector, wiring decode → projection → store for batches from ingest. */
export { createProjector } from './projector.js';
export type { BatchStats, Projector, ProjectorDeps } from './projector.js';
