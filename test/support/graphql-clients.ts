import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T> {
  readonly data?: T;
  readonly errors?: ReadonlyArray<{ readonly message: string }>;
}

/** A plain GraphQL-over-HTTP POST, as any client would send it. */
export async function queryHttp<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export interface Subscription<T> {
  readonly received: T[];
  /** Resolves once a received value satisfies `predicate`. */
  until(predicate: (value: T) => boolean, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

/** A graphql-ws subscription over a real WebSocket, collecting every payload it is pushed. */
export function subscribeWs<T>(httpUrl: string, query: string): Subscription<T> {
  const client: Client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  const received: T[] = [];
  const waiters: Array<() => void> = [];
  let failure: unknown;
  const unsubscribe = client.subscribe<T>(
    { query },
    {
      next: (result) => {
        if (result.errors?.length) failure = new Error(JSON.stringify(result.errors));
        else if (result.data) received.push(result.data);
        for (const wake of waiters.splice(0)) wake();
      },
      error: (error) => {
        failure = error;
        for (const wake of waiters.splice(0)) wake();
      },
      complete: () => undefined,
    },
  );
  return {
    received,
    async until(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (failure) throw failure instanceof Error ? failure : new Error(JSON.stringify(failure));
        const found = received.find(predicate);
        if (found !== undefined) return found;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`subscription: no matching value within ${timeoutMs} ms (got ${received.length})`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, Math.min(left, 500));
        });
      }
    },
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}
