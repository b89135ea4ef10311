import {
  createSourceEventStream,
  execute,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { LatestQueue } from '../live/index.ts';

type Result = ExecutionResult;

/**
 * What a subscription's source yields: a read model's snapshot (see the resolvers' `watch`) or
 * the guard's held state, each with the version it is of.
 */
export interface Versioned {
  readonly model: string;
  readonly version: bigint;
}

/** A number per schema object, for keys: the API builds a new schema on each reload. */
const schemaIds = new WeakMap<GraphQLSchema, number>();
let schemasSeen = 0;
function schemaId(schema: GraphQLSchema): number {
  let id = schemaIds.get(schema);
  if (id === undefined) {
    id = ++schemasSeen;
    schemaIds.set(schema, id);
  }
  return id;
}

function isSnapshot(event: unknown): event is Versioned {
  return typeof event === 'object' && event !== null && 'version' in event && 'model' in event;
}

/** One source stream and execution per change, handed to every identical subscription. */
interface Hub {
  /** Each subscriber, and the version it has already had (it is sent only newer ones). */
  readonly consumers: Map<LatestQueue<Result>, { floor: bigint }>;
  /** The newest result, and the snapshot it was computed from. */
  last: { readonly snapshot: Versioned; readonly result: Result } | undefined;
  source: AsyncIterator<unknown> | undefined;
}

/**
 * graphql-ws's `subscribe`, shared: subscriptions with the same document, variables and operation
 * name are executed once per change and every one of them gets the same result object (graphql-ws
 * serializes it per socket). A subscriber that falls behind keeps only the newest result, so the
 * one execution never waits for a slow socket. A subscriber that joins gets the current value
 * first: the hub's newest, or, when the model has moved on since (the hub may be waiting out its
 * coalescing interval), its own execution on the current snapshot. The context must be the same
 * for all subscribers (it is: the API keeps no per-request state).
 */
export function createSharedSubscribe(
  current: (model: string) => Promise<Versioned>,
  /** Told once per new version computed for a hub (metrics). */
  onVersion: (pushed: Versioned) => void = () => undefined,
) {
  const hubs = new Map<string, Hub>();
  // Subscribers of the same text share one parsed document (document-cache.ts): printed once.
  const printed = new WeakMap<DocumentNode, string>();
  const printOnce = (document: DocumentNode) => {
    let text = printed.get(document);
    if (text === undefined) printed.set(document, (text = print(document)));
    return text;
  };

  async function run(args: ExecutionArgs, snapshot: Versioned): Promise<Result> {
    return await execute({ ...args, rootValue: snapshot });
  }

  async function pump(key: string, hub: Hub, args: ExecutionArgs, source: AsyncIterator<unknown>) {
    try {
      for (;;) {
        const next = await source.next();
        if (next.done) break;
        if (!isSnapshot(next.value)) continue;
        const snapshot = next.value;
        const result = await run(args, snapshot);
        hub.last = { snapshot, result };
        onVersion(snapshot);
        for (const [consumer, seen] of hub.consumers) {
          if (snapshot.version <= seen.floor) continue;
          seen.floor = snapshot.version;
          consumer.push(result);
        }
      }
    } catch {
      // A source that fails (the live feed retries Redis itself, so this is a bug) ends its
      // subscriptions below instead of being an unhandled rejection that stops the process.
    } finally {
      if (hubs.get(key) === hub) hubs.delete(key);
      for (const consumer of hub.consumers.keys()) consumer.close();
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

  /** Sends the joiner the current value, then attaches it for newer ones. */
  async function join(hub: Hub, args: ExecutionArgs, consumer: LatestQueue<Result>): Promise<void> {
    const seen = { floor: -1n };
    const last = hub.last;
    if (last) {
      // Redis unreachable: the hub's newest is the newest this process has; the feed catches up.
      const now = await current(last.snapshot.model).catch(() => last.snapshot);
      const first =
        now.version > last.snapshot.version ? { snapshot: now, result: await run(args, now) } : last;
      seen.floor = first.snapshot.version;
      consumer.push(first.result);
      // A newer result may have come while this one was computed: send it too (no await between).
      const newest = hub.last;
      if (newest && newest.snapshot.version > seen.floor) {
        seen.floor = newest.snapshot.version;
        consumer.push(newest.result);
      }
    }
    hub.consumers.set(consumer, seen);
  }

  return async function sharedSubscribe(
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<Result> | Result> {
    // One hub per schema too: after a reload, a subscription runs on the schema it was validated by.
    const key = JSON.stringify([
      schemaId(args.schema),
      printOnce(args.document),
      args.variableValues ?? null,
      args.operationName ?? null,
    ]);
    let hub = hubs.get(key);
    if (!hub) {
      const stream = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in stream)) return stream; // refused (bad arguments): the error
      const source = stream[Symbol.asyncIterator]();
      const created: Hub = { consumers: new Map(), last: undefined, source };
      hubs.set(key, created);
      void pump(key, created, args, source);
      hub = created;
    }
    const consumer = new LatestQueue<Result>(1);
    const joined = hub;
    await join(joined, args, consumer);
    const iterator: AsyncIterableIterator<Result> = {
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
