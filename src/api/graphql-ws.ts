import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  specifiedRules,
  type FormattedExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ReadoutConfig } from '../config/index.ts';
import { ErrorCode } from '../errors/index.ts';
import { createApiAuth, credentialFromConnectionParams } from './auth.ts';
import { clientError } from './client-errors.ts';
import { CloseCode } from './close-codes.ts';
import type { ApiContext } from './context.ts';
import { createDocumentCache } from './document-cache.ts';
import { withoutSuggestions } from './limits.ts';
import type { ApiMetrics } from './metrics.ts';
import type { createSharedSubscribe } from './shared-subscriptions.ts';

export const GRAPHQL_PATH = '/graphql';
/** ws accepts 100 MiB messages by default; GraphQL operations are small. */
const WS_MAX_PAYLOAD_BYTES = 64 * 1024;
/** Distinct subscription texts kept parsed and validated (a dashboard sends a handful). */
const DOCUMENTS_KEPT = 500;
/** How often every socket is checked for unsent bytes past READOUT_API_SLOW_CLIENT_BYTES. */
const SLOW_CLIENT_SWEEP_MS = 1000;

export interface GraphQLWsDeps {
  readonly server: Server;
  /** The schema now: it changes when the definitions are reloaded (a subscription keeps its own). */
  readonly schema: () => GraphQLSchema;
  readonly context: ApiContext;
  readonly settings: ReadoutConfig['api'];
  /** The same limits Apollo applies on HTTP. */
  readonly rules: readonly ValidationRule[];
  readonly subscribe: ReturnType<typeof createSharedSubscribe>;
  readonly metrics: Pick<ApiMetrics, 'pushed' | 'slowClientClosed' | 'watch'>;
  /** Told of every exception whose message a client is not shown. */
  readonly logMasked: (cause: unknown, code: string) => void;
}

/**
 * graphql-ws on the HTTP server's /graphql path, with the API's safety: the Origin check on the
 * upgrade, connections per process, the API key in connection_init, each subscribe parsed and
 * validated with the HTTP side's limits, subscriptions per socket, and slow clients closed.
 */
export function attachGraphQLWs({
  server,
  schema,
  context,
  settings,
  rules,
  subscribe,
  metrics,
  logMasked,
}: GraphQLWsDeps) {
  const { host, port, limits, introspection, debugErrors } = settings;
  // Errors as Apollo formats them on HTTP (client-errors.ts): the same codes, nothing internal.
  const formatted = (errors: readonly GraphQLError[], fallbackCode: (error: GraphQLError) => string) =>
    errors.map((error) =>
      clientError(error, { debug: debugErrors, fallbackCode: fallbackCode(error), onMasked: logMasked }),
    );
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
  /**
   * graphql-ws sends a subscription's next message only once its previous one reached the kernel,
   * so a client that stops reading holds at most one unsent message per subscription, and no push
   * (no onNext) happens once every one of them waits. Hence a sweep, besides the check per push.
   */
  const closeIfSlow = (socket: WebSocket) => {
    if (socket.readyState !== socket.OPEN || socket.bufferedAmount <= limits.slowClientBytes) return;
    metrics.slowClientClosed();
    socket.close(CloseCode.SlowClient, `slow client: over ${limits.slowClientBytes} bytes unsent`);
  };
  const slowSweep = setInterval(() => wss.clients.forEach(closeIfSlow), SLOW_CLIENT_SWEEP_MS);
  slowSweep.unref();
  const active = new WeakMap<WebSocket, Set<string>>();
  let subscriptions = 0;
  metrics.watch({ sockets: () => wss.clients.size, subscriptions: () => subscriptions });
  // Documents are validated against one schema: a reloaded schema gets a cache of its own.
  let cached: { schema: GraphQLSchema; check: ReturnType<typeof createDocumentCache> } | undefined;
  const parseAndValidate = (query: string) => {
    const current = schema();
    if (cached?.schema !== current)
      cached = {
        schema: current,
        check: createDocumentCache({
          schema: current,
          rules: [...specifiedRules, ...rules],
          maxTokens: limits.maxTokens,
          capacity: DOCUMENTS_KEPT,
        }),
      };
    return { schema: current, ...cached.check(query) };
  };
  const formattedResults = new WeakMap<object, FormattedExecutionResult>();
  const forget = (socket: WebSocket, id: string) => {
    if (active.get(socket)?.delete(id)) subscriptions -= 1;
  };
  const cleanup = useServer<Record<string, unknown>, { socket: WebSocket }>(
    {
      // Not production: graphql-ws closes a socket with the message of an internal error as the
      // reason (4500). Decided by READOUT_API_DEBUG_ERRORS, not by NODE_ENV, which nothing sets.
      isProd: !debugErrors,
      schema: () => schema(),
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
        const { schema: current, document, errors } = parseAndValidate(payload.query);
        if (errors) return introspection ? [...errors] : errors.map(withoutSuggestions);
        ids.add(id);
        subscriptions += 1;
        return {
          schema: current,
          document,
          contextValue: context,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        };
      },
      onComplete: (ctx, id) => forget(ctx.extra.socket, id),
      onClose: (ctx) => {
        const ids = active.get(ctx.extra.socket);
        subscriptions -= ids?.size ?? 0;
        ids?.clear();
      },
      // Refusals of the operation as a whole: its own (limits, parse, validation) or a failure of
      // its source, thrown (masked unless debugging).
      onError: (ctx, id, _payload, errors) => {
        forget(ctx.extra.socket, id);
        return formatted(errors, () => ErrorCode.BadRequest);
      },
      onNext: (ctx, _id, _payload, _args, result) => {
        const { socket } = ctx.extra;
        metrics.pushed();
        closeIfSlow(socket);
        // Errors of an execution: a resolver's (with a path), or the variables' (without one, as
        // graphql-js refuses them before executing: BAD_USER_INPUT, as Apollo says on HTTP).
        if (!result.errors) return undefined; // the shared result is sent as it is
        // Once per result: identical subscriptions share it (shared-subscriptions.ts).
        let shown = formattedResults.get(result);
        if (!shown) {
          shown = {
            ...(result.data !== undefined ? { data: result.data } : {}),
            ...(result.extensions !== undefined ? { extensions: result.extensions } : {}),
            errors: formatted(result.errors, (error) =>
              error.path ? ErrorCode.InternalServerError : ErrorCode.BadUserInput,
            ),
          };
          formattedResults.set(result, shown);
        }
        return shown;
      },
    },
    wss,
    // graphql-ws pings every keepAliveMs and drops a socket whose pong has not come by the next ping.
    limits.keepAliveMs === 0 ? Infinity : limits.keepAliveMs,
  );
  return {
    wss,
    dispose: async () => {
      clearInterval(slowSweep);
      await cleanup.dispose();
    },
  };
}
