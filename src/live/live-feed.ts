import type { Logger } from '../log/logger.ts';
import { parseVersionNotice, type ModelSnapshot, type RedisClient } from '../store/index.ts';
import { subscribeWhileWanted } from './channel-subscription.ts';
import { LatestQueue } from './latest-queue.ts';

/**
 * A notice says a newer version exists; a resync asks for the snapshot whatever its version
 * (pub/sub may have lost messages while the connection was down).
 */
type FeedItem = { readonly kind: 'notice'; readonly version: bigint } | { readonly kind: 'resync' };

/** How long a subscription waits before reading again after a failed snapshot read. */
const READ_RETRY_MS = 500;

export interface LiveFeedDeps {
  /** A dedicated connection: it is put into subscriber mode (SSUBSCRIBE). */
  readonly subscriber: RedisClient;
  readonly channelOf: (model: string) => string;
  readonly readSnapshot: (model: string) => Promise<ModelSnapshot>;
  /** The model's newest version in Redis (cheap: no snapshot), for queries and the lost-notice check. */
  readonly readVersion: (model: string) => Promise<bigint>;
  /**
   * How often the versions of watched models are compared with the notices received (ms; 0:
   * never). Pub/sub is at-most-once: a notice lost in a failover would otherwise leave
   * subscribers on an old value until the next change.
   */
  readonly versionCheckMs?: number;
  readonly logger: Logger;
  /** Waiting states per subscriber before only the newest is kept. */
  readonly queueLimit?: number;
  /** At most one value per subscriber per this many ms (the newest is sent); 0: no coalescing. */
  readonly coalesceMs?: number;
}

export interface LiveFeed {
  /** The model's current state first, then every newer version in order; never an older one. */
  watch(model: string): AsyncIterableIterator<ModelSnapshot>;
  /**
   * The model's snapshot at the version Redis holds now, or a newer one: the version is asked of
   * Redis each time (cheap), the snapshot read only when it is not the one kept from before
   * (queries use it). Notices cannot be trusted for this: pub/sub is at-most-once, and a model
   * nobody watches has no subscription at all.
   */
  current(model: string): Promise<ModelSnapshot>;
  close(): Promise<void>;
}

/**
 * Redis pub/sub → subscribers, with one Redis subscription per channel per process shared by
 * every subscriber of that model. A notice carries only the new version; the subscriber reads the
 * model's snapshot, so a burst of versions costs one read. Pub/sub is at-most-once, so after the
 * connection comes back every subscriber re-reads; versions keep the order.
 */
export function createLiveFeed(deps: LiveFeedDeps): LiveFeed {
  const { subscriber, channelOf, readSnapshot, readVersion, logger } = deps;
  const queueLimit = deps.queueLimit ?? 256;
  const coalesceMs = deps.coalesceMs ?? 0;
  // Per model, the newest snapshot read and the read in flight: every subscriber woken by the same
  // notice shares one Redis read instead of each making its own.
  const shared = new Map<
    string,
    { latest?: ModelSnapshot | undefined; reading?: Promise<ModelSnapshot> | undefined }
  >();

  /** A snapshot at `version` or newer, sharing reads between subscribers of the model. */
  async function readAtLeast(model: string, version: bigint): Promise<ModelSnapshot> {
    let entry = shared.get(model);
    if (!entry) shared.set(model, (entry = {}));
    const cache = entry;
    // Bounded: a notice for a version Redis no longer has (it lost data) must not spin forever.
    for (let attempt = 0; ; attempt += 1) {
      if (cache.latest && cache.latest.version >= version) return cache.latest;
      cache.reading ??= read(model)
        .then((snapshot) => {
          if (!cache.latest || snapshot.version > cache.latest.version) cache.latest = snapshot;
          return snapshot;
        })
        .finally(() => (cache.reading = undefined));
      // A read that started before `version` was applied may return an older one: read again.
      const snapshot = await cache.reading;
      if (snapshot.version >= version || attempt >= 20) return snapshot;
    }
  }
  const listeners = new Map<string, Set<LatestQueue<FeedItem>>>();
  // Per watched model, its channel's subscription (made once Redis answers).
  const subscribing = new Map<string, Promise<boolean>>();
  let closed = false;
  const modelOfChannel = new Map<string, string>();
  // The newest version noticed or read of each model.
  const noticed = new Map<string, bigint>();
  /** Reads a snapshot; its version is known to exist from then on. */
  const read = async (model: string): Promise<ModelSnapshot> => {
    const snapshot = await readSnapshot(model);
    if (snapshot.version > (noticed.get(model) ?? -1n)) noticed.set(model, snapshot.version);
    return snapshot;
  };
  let everReady = false;

  function notice(model: string, version: bigint): void {
    if (version > (noticed.get(model) ?? -1n)) noticed.set(model, version);
    for (const queue of listeners.get(model) ?? []) queue.push({ kind: 'notice', version });
  }
  subscriber.on('smessage', (channel: string, message: string) => {
    const model = modelOfChannel.get(channel);
    const parsed = parseVersionNotice(message);
    if (model && parsed) notice(model, parsed.version);
  });

  // Per model, a version Redis had at the previous check that no notice or read had reached yet.
  const unconfirmed = new Map<string, bigint>();
  /**
   * A watched model whose version in Redis stays past everything noticed or read for a whole
   * check interval lost a notice (one in flight is given that long to arrive).
   */
  async function checkVersions(): Promise<void> {
    await Promise.all(
      [...listeners.keys()].map(async (model) => {
        const version = await readVersion(model);
        const known = noticed.get(model) ?? -1n;
        const before = unconfirmed.get(model);
        unconfirmed.delete(model);
        if (version <= known) return;
        if (before === undefined || before <= known) {
          unconfirmed.set(model, version);
          return;
        }
        logger.warn(
          { model, version: String(before), noticed: String(known) },
          'a version notice was lost (pub/sub is at-most-once): subscribers catch up',
        );
        notice(model, version);
      }),
    );
  }
  const versionCheckMs = deps.versionCheckMs ?? 1000;
  let checking = false;
  const versionTimer =
    versionCheckMs > 0
      ? setInterval(() => {
          if (checking) return;
          checking = true;
          checkVersions()
            .catch((error: unknown) => logger.debug({ err: error }, 'version check failed'))
            .finally(() => (checking = false));
        }, versionCheckMs).unref()
      : undefined;
  subscriber.on('ready', () => {
    if (everReady) {
      logger.warn('Redis subscriber reconnected: subscribers resync from snapshots');
      // Notices may have been lost while disconnected: nothing cached can be trusted.
      shared.clear();
      for (const queues of listeners.values()) for (const queue of queues) queue.push({ kind: 'resync' });
    }
    everReady = true;
  });

  async function addListener(model: string, queue: LatestQueue<FeedItem>): Promise<void> {
    let set = listeners.get(model);
    if (!set) {
      const created = new Set<LatestQueue<FeedItem>>();
      set = created;
      listeners.set(model, created);
      const channel = channelOf(model);
      modelOfChannel.set(channel, model);
      subscribing.set(
        model,
        subscribeWhileWanted(subscriber, channel, () => !closed && listeners.get(model) === created, logger),
      );
    }
    set.add(queue);
    await subscribing.get(model);
  }

  function removeListener(model: string, queue: LatestQueue<FeedItem>): void {
    const set = listeners.get(model);
    if (!set) return;
    set.delete(queue);
    if (set.size === 0) {
      listeners.delete(model);
      subscribing.delete(model);
      shared.delete(model);
      const channel = channelOf(model);
      modelOfChannel.delete(channel);
      subscriber
        .sunsubscribe(channel)
        .catch((error: unknown) => logger.warn({ err: error }, 'unsubscribe failed'));
    }
  }

  return {
    watch(model) {
      const queue = new LatestQueue<FeedItem>(queueLimit);
      let lastVersion = -1n;
      let lastSentAt = 0;
      let started: Promise<void> | undefined;

      async function nextSnapshot(): Promise<IteratorResult<ModelSnapshot>> {
        // Subscribe before reading the snapshot, so no version published in between is missed.
        started ??= addListener(model, queue).then(() => queue.push({ kind: 'resync' }));
        await started;
        for (;;) {
          const item = await queue.next();
          if (item === undefined) return { done: true, value: undefined };
          if (item.kind === 'notice' && item.version <= lastVersion) continue;
          const wait = lastSentAt + coalesceMs - Date.now();
          if (item.kind === 'notice' && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          // Reading now gives the newest version: notices queued meanwhile are skipped (coalescing).
          // A resync reads afresh (pub/sub may have lost notices); a notice may share a read.
          let snapshot: ModelSnapshot;
          try {
            snapshot = item.kind === 'resync' ? await read(model) : await readAtLeast(model, item.version);
          } catch (error) {
            // Redis unreachable for a moment (a restart, a cluster failover): the subscription
            // stays open and reads again; its freshness shows how old the last value is.
            logger.debug({ err: error, model }, 'snapshot read failed; reading again shortly');
            await new Promise((resolve) => setTimeout(resolve, READ_RETRY_MS));
            queue.push({ kind: 'resync' });
            continue;
          }
          if (snapshot.version > lastVersion) {
            lastVersion = snapshot.version;
            lastSentAt = Date.now();
            return { done: false, value: snapshot };
          }
        }
      }

      const iterator: AsyncIterableIterator<ModelSnapshot> = {
        next: nextSnapshot,
        return() {
          queue.close();
          removeListener(model, queue);
          return Promise.resolve({ done: true, value: undefined });
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },

    async current(model) {
      const inRedis = await readVersion(model);
      const kept = shared.get(model)?.latest;
      if (kept?.version === inRedis) return kept;
      // Redis holds an older version than the one kept: it lost data, and what is kept is gone.
      if (kept && kept.version > inRedis) shared.delete(model);
      return readAtLeast(model, inRedis);
    },

    async close() {
      closed = true;
      clearInterval(versionTimer);
      for (const queues of listeners.values()) for (const queue of queues) queue.close();
      listeners.clear();
      await subscriber.quit();
    },
  };
}
