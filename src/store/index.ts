/**
 * store: read models in Redis. Guarantee: one Lua script per batch and model applies row
 * positions and memories, aggregate deltas, the source position, the Kafka offset and a new
 * version, and announces the version, atomically; it refuses the whole batch if any row moved
 * since it was read. Reads see one model at one instant (a read script).
 */
export { createRedisStore, deadLetterId } from './redis-store.js';
export type {
  ApplyOutcome,
  BatchOffset,
  BatchWrite,
  BucketRange,
  DeadLetter,
  LetterConcern,
  ModelStop,
  ReadModelStore,
} from './redis-store.js';
export { withRowCache } from './row-cache.js';
export { createGuardStore } from './guard-store.js';
export type { RedisClient, RedisConnectionOptions, RedisNode } from './connection.js';
export type { Admission, GuardStore, HeldChange } from './guard-store.js';
export { deadLetterKey, heldChannel, modelKeys } from './keys.js';
export type { ModelKeys } from './keys.js';
export { emptySnapshot, parseVersionNotice } from './model-snapshot.js';
export type { BucketState, GroupState, ModelSnapshot, VersionNotice } from './model-snapshot.js';
export { guardReader, modelReader, partitionKey, readerName } from './positions.js';
export type {
  NoticedLoss,
  PositionStore,
  ReaderReadiness,
  StreamPosition,
  StreamReader,
} from './positions.js';
export { topologyTrouble } from './topology.js';
export type { RedisNodeState, RedisTopology } from './topology.js';
export type { GenerationState, GenerationStore, RebuildPhase } from './generations.js';
export { checkReadiness } from './readiness.js';
export type { Readiness } from './readiness.js';
