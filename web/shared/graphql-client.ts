/**
 * The one place the dashboard's GraphQL client is made: graphql-ws over the API's /graphql.
 * Every panel subscribes through it (live.ts); it reconnects for ever and, on each reconnect,
 * graphql-ws subscribes every panel again, so each one gets its current value (a full resync).
 */
import { createClient } from 'graphql-ws';
import { useSyncExternalStore } from 'react';

/** connecting: first attempt; live: connected; reconnecting: the socket dropped, retrying. */
export type Connection = 'connecting' | 'live' | 'reconnecting';

const url = new URL('/graphql', window.location.href);
url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
// With API keys on (the default outside the local demo), open /dashboard/?apiKey=<key>.
const apiKey = new URLSearchParams(window.location.search).get('apiKey');

let connection: Connection = 'connecting';
const listeners = new Set<() => void>();
function setConnection(next: Connection): void {
  connection = next;
  for (const listener of listeners) listener();
}

export const client = createClient({
  url: url.href,
  connectionParams: apiKey ? { apiKey } : {},
  retryAttempts: Infinity,
  shouldRetry: () => true,
  // 0.5 s, 1 s, 2 s … at most 5 s between attempts, with jitter so clients do not return in step.
  retryWait: (retries) =>
    new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * 2 ** retries) + Math.random() * 300)),
  // A ping every 10 s: a server that vanished without closing the socket is noticed.
  keepAlive: 10_000,
  on: {
    connected: () => setConnection('live'),
    closed: () => setConnection(connection === 'connecting' ? 'connecting' : 'reconnecting'),
  },
});

/** The socket's state, for the header. */
export function useConnection(): Connection {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => connection,
  );
}
