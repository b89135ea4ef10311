/**
 * live: Redis pub/sub → in-process subscribers. Guarantee: a subscriber first gets the current
 * state, then newer versions in order, never an older one; memory per subscriber is bounded
 * (the newest state wins).
 */
export { createLiveFeed } from './live-feed.js';
export type { LiveFeed, LiveFeedDeps } from './live-feed.js';
export { LatestQueue } from './latest-queue.js';
export { createHeldFeed, HELD_CHANGES } from './held-feed.js';
export type { HeldFeed, HeldState } from './held-feed.js';
