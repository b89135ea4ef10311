/**
 * store: read models in Redis. Guarantee: one Lua script per batch (or chunk of one) and table
 * applies row positions and memories, every model's aggregate deltas, source positions, Kafka
 * offsets and new versions, and announces the versions, atomically; it refuses the whole batch if any row moved
 * since it was read. Reads see one model at one instant (a read script).
 */
export { createRedisStore, deadLetterId } from './redis-store.ts';
export type {
  ApplyLaneOutcome,
  ApplyLaneRequest,
  ApplyOutcome,
  BatchOffset,
  BatchWrite,
  BucketRange,
  DeadLetter,
  LetterConcern,
  ModelStop,
  ReadModelStore,
} from './redis-store.ts';
export { withRowCache } from './row-cache.ts';
export { laneMemberKeys } from './lanes.ts';
export type { Lane } from './lanes.ts';
export { createGuardStore } from './guard-store.ts';
export type { RedisClient, RedisConnectionOptions, RedisNode } from './connection.ts';
export type { Admission, GuardStore, HeldChange } from './guard-store.ts';
export {
  deadLetterKey,
  definitionsReloadedChannel,
  guardKeys,
  heldChannel,
  modelKeys,
  reloadDefinitionsChannel,
  tableLaneKeys,
  tableTag,
  transactionField,
} from './keys.ts';
export { connectRedis } from './connection.ts';
export type { GuardKeys, ModelKeys, ModelRef } from './keys.ts';
export { emptySnapshot, parseVersionNotice } from './model-snapshot.ts';
export type { BucketState, GroupState, ModelSnapshot, VersionNotice } from './model-snapshot.ts';
export { epochStartedBy, guardReader, modelReader, partitionKey, readerName } from './positions.ts';
export type {
  BackfillReason,
  NoticedLoss,
  PositionStore,
  ReaderReadiness,
  StreamPosition,
  StreamReader,
} from './positions.ts';
export { topologyTrouble } from './topology.ts';
export type { RedisNodeState, RedisTopology } from './topology.ts';
export type { GenerationState, GenerationStore, RebuildPhase } from './generations.ts';
export { catchUpProgress, checkReadiness } from './readiness.ts';
export type { Readiness } from './readiness.ts';
