import type { Logger } from '../log/logger.ts';
import type { HeldChange, RedisClient } from '../store/index.ts';
import { SUBSCRIBE_RETRY_MS, subscribeWhileWanted } from './channel-subscription.ts';
import { LatestQueue } from './latest-queue.ts';

/** The name a held state goes by where model snapshots are expected (shared executions). */
export const HELD_CHANGES = '(held changes)';

/** What the mass-delete guard holds, as of one version of this process's view of it. */
export interface HeldState {
  readonly model: typeof HELD_CHANGES;
  /** Grows by one whenever the list read differs from the one before (this process's count). */
  readonly version: bigint;
  readonly changes: readonly HeldChange[];
}

export interface HeldFeedDeps {
  /** A dedicated connection: it is put into subscriber mode (SSUBSCRIBE). */
  readonly subscriber: RedisClient;
  /** The guard's channel (store/keys.ts heldChannel). */
  readonly channel: string;
  /** Reads the held changes from Redis (empty when the guard is off). */
  readonly list: () => Promise<readonly HeldChange[]>;
  readonly logger: Logger;
  /** The list is also read this often (ms; 0: never): a notice lost in a failover heals then. */
  readonly rereadMs?: number;
}

export interface HeldFeed {
  /** The current held state first, then every change of it. */
  watch(): AsyncIterableIterator<HeldState>;
  /** The held state read from Redis now (queries: never an older list than Redis holds). */
  current(): Promise<HeldState>;
  close(): Promise<void>;
}

/**
 * The guard's held set, live: one Redis subscription and one list read per change for the whole
 * process, however many dashboards show the banner. The guard tells its channel whenever it
 * holds, adds to, decides or drops a held change; after a reconnect the list is read again
 * (pub/sub may have lost a message meanwhile).
 */
export function createHeldFeed({
  subscriber,
  channel,
  list,
  logger,
  rereadMs = 1000,
}: HeldFeedDeps): HeldFeed {
  const watchers = new Set<LatestQueue<HeldState>>();
  let state: HeldState | undefined;
  let reading: Promise<HeldState> | undefined;
  let stale = true;
  let everReady = false;
  let closed = false;
  // Made once Redis answers (the API may start before it); until then the periodic re-read serves.
  const subscribed = subscribeWhileWanted(subscriber, channel, () => !closed, logger);

  /** Reads the list when a change was told since the last read; one read at a time. */
  async function refresh(): Promise<HeldState> {
    while (stale || !state) {
      stale = false;
      reading ??= list()
        .then((changes) => {
          const same = state && JSON.stringify(state.changes) === JSON.stringify(changes);
          if (!same) state = { model: HELD_CHANGES, version: (state?.version ?? 0n) + 1n, changes };
          return state as HeldState;
        })
        .finally(() => (reading = undefined));
      try {
        await reading;
      } catch (error) {
        stale = true; // not read: the next caller reads again
        throw error;
      }
    }
    return state;
  }

  /** Reads the list now and hands a changed state to every watcher. */
  async function readNow(): Promise<HeldState> {
    stale = true;
    const next = await refresh();
    for (const watcher of watchers) watcher.push(next);
    return next;
  }

  function told(): void {
    readNow().catch((error: unknown) => logger.warn({ err: error }, 'held changes could not be read'));
  }

  subscriber.on('smessage', (from: string) => {
    if (from === channel) told();
  });
  // Only while someone watches: a list that did not change makes no new version.
  const rereadTimer =
    rereadMs > 0 ? setInterval(() => watchers.size > 0 && told(), rereadMs).unref() : undefined;
  subscriber.on('ready', () => {
    if (everReady) told();
    everReady = true;
  });

  return {
    watch() {
      const queue = new LatestQueue<HeldState>(1);
      let last = -1n;
      watchers.add(queue);
      // Subscribed first, so no change told in between is missed, unless Redis is away: then
      // the first read waits for it (and the periodic re-read covers the subscription).
      const first = (async () => {
        await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_RETRY_MS))]);
        while (!closed) {
          try {
            queue.push(await refresh());
            return;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_RETRY_MS));
          }
        }
      })();
      const iterator: AsyncIterableIterator<HeldState> = {
        async next() {
          await first;
          for (;;) {
            const next = await queue.next();
            if (next === undefined) return { done: true, value: undefined };
            if (next.version <= last) continue;
            last = next.version;
            return { done: false, value: next };
          }
        },
        return() {
          watchers.delete(queue);
          queue.close();
          return Promise.resolve({ done: true, value: undefined });
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
    current: readNow,
    async close() {
      closed = true;
      clearInterval(rereadTimer);
      for (const watcher of watchers) watcher.close();
      watchers.clear();
      await subscriber.quit();
    },
  };
}
