import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, parse, specifiedRules, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ReadoutConfig } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { createApiAuth, credentialFromConnectionParams, credentialFromHeaders } from './auth.js';
import { CloseCode } from './close-codes.js';
import type { ApiContext } from './context.js';
import { limitRules, withoutSuggestions } from './limits.js';
import { createSharedSubscribe } from './shared-subscriptions.js';
import { serveWebPage } from './web-pages.js';
import { createGraphQLHttpHandler } from './http-handler.js';
import { createApiMetrics } from './metrics.js';
import { buildSchema } from './schema.js';

export interface ApiDeps {
  readonly context: ApiContext;
  readonly settings: ReadoutConfig['api'];
  readonly logger: Logger;
}

export interface Api {
  /** Listens; resolves with the GraphQL URL (http; the same path serves ws). */
  start(): Promise<string>;
  stop(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';
/** ws accepts 100 MiB messages by default; GraphQL operations are small. */
const WS_MAX_PAYLOAD_BYTES = 64 * 1024;

/** The GraphQL API: Query over HTTP and Subscription over graphql-ws, same port and path; /healthz and /metrics beside. */
export function createApi({ context, settings, logger }: ApiDeps): Api {
  const { host, port, limits, introspection } = settings;
  const schema = buildSchema();
  const metrics = createApiMetrics({ guard: context.guard });
  const auth = createApiAuth(settings.apiKeys);
  const rules = limitRules(limits, introspection);
  const sharedSubscribe = createSharedSubscribe((model) => context.live.current(model));
  const apollo = new ApolloServer<ApiContext>({
    schema,
    plugins: [ApolloServerPluginLandingPageDisabled()],
    introspection,
    hideSchemaDetailsFromClientErrors: !introspection,
    validationRules: rules,
    parseOptions: { maxTokens: limits.maxTokens },
  });
  let server: Server | undefined;
  let wss: WebSocketServer | undefined;
  let wsCleanup: { dispose: () => void | Promise<void> } | undefined;

  return {
    async start() {
      await apollo.start();
      const handleGraphQL = createGraphQLHttpHandler(apollo, context);
      server = createServer((request, response) => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        if (url.pathname === '/healthz') {
          response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
          return;
        }
        if (url.pathname === '/metrics') {
          metrics.render().then(
            (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
            (error: unknown) => {
              logger.error({ err: error }, 'metrics could not be collected');
              response.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
            },
          );
          return;
        }
        if (url.pathname !== GRAPHQL_PATH) {
          void serveWebPage(request, response, url.pathname).then((served) => {
            if (!served)
              response
                .writeHead(404, { 'content-type': 'text/plain' })
                .end(`not found: try ${GRAPHQL_PATH} or /graphiql\n`);
          });
          return;
        }
        if (!auth.allows(credentialFromHeaders(request.headers))) {
          response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(
            JSON.stringify({
              errors: [
                {
                  message:
                    'missing or unknown API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
                  extensions: { code: 'UNAUTHENTICATED' },
                },
              ],
            }),
          );
          return;
        }
        handleGraphQL(request, response, url.search).catch((error: unknown) => {
          logger.error({ err: error }, 'GraphQL HTTP request failed');
          if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ errors: [{ message: 'internal error' }] }));
        });
      });
      const ownOrigins = () => {
        const actual = (server?.address() as AddressInfo | null)?.port ?? port;
        return [host, 'localhost', '127.0.0.1'].map((name) => `http://${name}:${actual}`);
      };
      wss = new WebSocketServer({
        server,
        path: GRAPHQL_PATH,
        maxPayload: WS_MAX_PAYLOAD_BYTES,
        // Browsers send Origin; a page from elsewhere must not ride on a user's network position.
        verifyClient: (
          { origin }: { origin: string | undefined },
          accept: (ok: boolean, code?: number, message?: string) => void,
        ) => {
          if (!origin || ownOrigins().includes(origin) || settings.allowedOrigins.includes(origin))
            accept(true);
          else accept(false, 403, `origin ${origin} is not allowed (READOUT_API_ALLOWED_ORIGINS)`);
        },
      });
      wss.on('connection', (socket) => {
        if ((wss?.clients.size ?? 0) > limits.maxConnections)
          socket.close(
            CloseCode.TooManyConnections,
            `too many connections (READOUT_API_MAX_CONNECTIONS=${limits.maxConnections})`,
          );
      });
      const active = new WeakMap<WebSocket, Set<string>>();
      const rulesForWs = [...specifiedRules, ...rules];
      wsCleanup = useServer<Record<string, unknown>, { socket: WebSocket }>(
        {
          schema,
          // Identical subscriptions are executed once per change (see shared-subscriptions.ts).
          subscribe: sharedSubscribe,
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
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, host, resolve);
      });
      const address = listening.address() as AddressInfo;
      const url = `http://${host}:${address.port}${GRAPHQL_PATH}`;
      logger.info({ url }, 'GraphQL API listening (HTTP and graphql-ws)');
      return url;
    },

    async stop() {
      await wsCleanup?.dispose();
      wss?.close();
      const closing = server;
      if (closing) {
        const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
        closing.closeAllConnections();
        await closed;
      }
      await apollo.stop();
    },
  };
}
