/**
 * store: read models in Redis. Guarantee: one Lua script per batch applies row positions,
 * aggregate deltas, the source position, the Kafka offset and a new version, and publishes the
 * new state, atomically; it refuses the whole batch if any row moved since it was read.
 */
export { createRedisStore } from './redis-store.js';
export type { ApplyOutcome, BatchWrite, DeadLetter, ReadModelStore } from './redis-store.js';
export { modelKeys, deadLetterKey } from './keys.js';
export { snapshotFromHashes, snapshotFromNotification } from './model-snapshot.js';
export type { ModelSnapshot } from './model-snapshot.js';
