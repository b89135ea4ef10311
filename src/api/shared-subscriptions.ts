import { print, subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { LatestQueue } from '../live/index.js';

type Result = ExecutionResult;

/** One execution of a subscription, its results handed to every identical subscription. */
interface Hub {
  readonly consumers: Set<LatestQueue<Result>>;
  /** The newest result, for a subscription that joins later: the current value first. */
  last: Result | undefined;
  source: AsyncIterator<Result> | undefined;
}

/**
 * graphql-ws's `subscribe`, shared: subscriptions with the same document, variables and operation
 * name are executed once per change and every one of them gets the same result object (serialized
 * by graphql-ws per socket). A subscriber that falls behind keeps only the newest result, so the
 * one execution never waits for a slow socket. The context must be the same for all (it is: the
 * API has no per-request state).
 */
export function createSharedSubscribe() {
  const hubs = new Map<string, Hub>();

  async function pump(key: string, hub: Hub, source: AsyncIterator<Result>): Promise<void> {
    try {
      for (;;) {
        const next = await source.next();
        if (next.done) break;
        hub.last = next.value;
        for (const consumer of hub.consumers) consumer.push(next.value);
      }
    } finally {
      if (hubs.get(key) === hub) hubs.delete(key);
      for (const consumer of hub.consumers) consumer.close();
    }
  }

  function detach(key: string, hub: Hub, consumer: LatestQueue<Result>): void {
    hub.consumers.delete(consumer);
    consumer.close();
    if (hub.consumers.size === 0 && hubs.get(key) === hub) {
      hubs.delete(key);
      void hub.source?.return?.();
    }
  }

  return async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<Result> | Result> {
    const key = JSON.stringify([
      print(args.document),
      args.variableValues ?? null,
      args.operationName ?? null,
    ]);
    let hub = hubs.get(key);
    if (!hub) {
      const created: Hub = { consumers: new Set(), last: undefined, source: undefined };
      hubs.set(key, created);
      const outcome = await subscribe(args);
      if (!(Symbol.asyncIterator in outcome)) {
        hubs.delete(key); // refused (bad arguments): an error result, shared with nobody
        for (const consumer of created.consumers) consumer.close();
        return outcome;
      }
      created.source = outcome;
      void pump(key, created, outcome);
      hub = created;
    }
    const consumer = new LatestQueue<Result>(1);
    hub.consumers.add(consumer);
    if (hub.last) consumer.push(hub.last);
    const joined = hub;
    const iterator: AsyncGenerator<Result> = {
      async next() {
        const value = await consumer.next();
        return value === undefined ? { done: true, value: undefined } : { done: false, value };
      },
      return() {
        detach(key, joined, consumer);
        return Promise.resolve({ done: true, value: undefined });
      },
      throw(error: unknown) {
        detach(key, joined, consumer);
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  };
}
