import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ReadoutConfig } from '../config/index.js';
import { createApiAuth, credentialFromConnectionParams } from './auth.js';
import { CloseCode } from './close-codes.js';
import type { ApiContext } from './context.js';
import { withoutSuggestions } from './limits.js';
import type { createSharedSubscribe } from './shared-subscriptions.js';

export const GRAPHQL_PATH = '/graphql';
/** ws accepts 100 MiB messages by default; GraphQL operations are small. */
const WS_MAX_PAYLOAD_BYTES = 64 * 1024;

export interface GraphQLWsDeps {
  readonly server: Server;
  readonly schema: GraphQLSchema;
  readonly context: ApiContext;
  readonly settings: ReadoutConfig['api'];
  /** The same limits Apollo applies on HTTP. */
  readonly rules: readonly ValidationRule[];
  readonly subscribe: ReturnType<typeof createSharedSubscribe>;
}

/**
 * graphql-ws on the HTTP server's /graphql path, with the API's safety: the Origin check on the
 * upgrade, connections per process, the API key in connection_init, each subscribe parsed and
 * validated with the HTTP side's limits, subscriptions per socket, and slow clients closed.
 */
export function attachGraphQLWs({ server, schema, context, settings, rules, subscribe }: GraphQLWsDeps) {
  const { host, port, limits, introspection } = settings;
  const auth = createApiAuth(settings.apiKeys);
  const ownOrigins = () => {
    const actual = (server.address() as AddressInfo | null)?.port ?? port;
    return [host, 'localhost', '127.0.0.1'].map((name) => `http://${name}:${actual}`);
  };
  const wss = new WebSocketServer({
    server,
    path: GRAPHQL_PATH,
    maxPayload: WS_MAX_PAYLOAD_BYTES,
    // Browsers send Origin; a page from elsewhere must not ride on a user's network position.
    verifyClient: (
      { origin }: { origin: string | undefined },
      accept: (ok: boolean, code?: number, message?: string) => void,
    ) => {
      if (!origin || ownOrigins().includes(origin) || settings.allowedOrigins.includes(origin)) accept(true);
      else accept(false, 403, `origin ${origin} is not allowed (READOUT_API_ALLOWED_ORIGINS)`);
    },
  });
  wss.on('connection', (socket) => {
    if (wss.clients.size > limits.maxConnections)
      socket.close(
        CloseCode.TooManyConnections,
        `too many connections (READOUT_API_MAX_CONNECTIONS=${limits.maxConnections})`,
      );
  });
  const active = new WeakMap<WebSocket, Set<string>>();
  const rulesForWs = [...specifiedRules, ...rules];
  const cleanup = useServer<Record<string, unknown>, { socket: WebSocket }>(
    {
      schema,
      // Identical subscriptions are executed once per change (see shared-subscriptions.ts).
      subscribe,
      onConnect: (ctx) => auth.allows(credentialFromConnectionParams(ctx.connectionParams)),
      onSubscribe: (ctx, id, payload) => {
        const ids = active.get(ctx.extra.socket) ?? new Set<string>();
        active.set(ctx.extra.socket, ids);
        if (ids.size >= limits.maxSubscriptionsPerSocket) {
          ctx.extra.socket.close(
            CloseCode.TooManySubscriptions,
            `too many subscriptions on this socket (READOUT_API_MAX_SUBSCRIPTIONS_PER_SOCKET=${limits.maxSubscriptionsPerSocket})`,
          );
          return [];
        }
        // Parsed and validated here, with the limits Apollo applies on HTTP, so that a refusal
        // (a parse error included) is an error message for this subscription.
        let document;
        try {
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = validate(schema, document, rulesForWs);
        if (errors.length > 0) return introspection ? errors : errors.map(withoutSuggestions);
        ids.add(id);
        return {
          schema,
          document,
          contextValue: context,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        };
      },
      onComplete: (ctx, id) => void active.get(ctx.extra.socket)?.delete(id),
      onError: (ctx, id) => void active.get(ctx.extra.socket)?.delete(id),
      onNext: (ctx) => {
        const { socket } = ctx.extra;
        if (socket.bufferedAmount > limits.slowClientBytes)
          socket.close(CloseCode.SlowClient, `slow client: over ${limits.slowClientBytes} bytes unsent`);
      },
    },
    wss,
  );
  return { wss, dispose: async () => await cleanup.dispose() };
}
