/**
 * live: Redis pub/sub → in-process subscribers. Guarantee: a subscriber first gets the current
 * state, then newer versions in order, never an older one; memory per subscriber is bounded
 * (the newest state wins).
 */
export { createLiveFeed } from './live-feed.ts';
export type { LiveFeed, LiveFeedDeps } from './live-feed.ts';
export { LatestQueue } from './latest-queue.ts';
export { createHeldFeed, HELD_CHANGES } from './held-feed.ts';
export type { HeldFeed, HeldState } from './held-feed.ts';
export { definitionChanges, describeChanges } from './definition-changes.ts';
export { parseReloadReply, requestDefinitionReload, watchDefinitionReloads } from './definition-reloads.ts';
export type {
  DefinitionChanges,
  DefinitionReloads,
  DefinitionReloadsDeps,
  ReloadOutcome,
  ReloadReply,
} from './definition-reloads.ts';
