import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { WebSocketServer } from 'ws';
import type { ReadoutConfig } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { createApiAuth, credentialFromHeaders } from './auth.js';
import type { ApiContext } from './context.js';
import { GRAPHQL_PATH, attachGraphQLWs } from './graphql-ws.js';
import { createGraphQLHttpHandler } from './http-handler.js';
import { limitRules } from './limits.js';
import { createApiMetrics } from './metrics.js';
import { buildSchema } from './schema.js';
import { createSharedSubscribe } from './shared-subscriptions.js';
import { serveWebPage } from './web-pages.js';

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

/** The GraphQL API: Query over HTTP and Subscription over graphql-ws, same port and path; /healthz and /metrics beside. */
export function createApi({ context, settings, logger }: ApiDeps): Api {
  const { host, port, limits, introspection } = settings;
  const schema = buildSchema();
  const metrics = createApiMetrics({ guard: context.guard });
  const auth = createApiAuth(settings.apiKeys);
  const rules = limitRules(limits, introspection);
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
  let disposeWs: (() => Promise<void>) | undefined;

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
      ({ wss, dispose: disposeWs } = attachGraphQLWs({
        server,
        schema,
        context,
        settings,
        rules,
        subscribe: createSharedSubscribe((model) => context.live.current(model)),
      }));
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
      await disposeWs?.();
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
