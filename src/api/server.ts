import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log/logger.js';
import type { ApiContext } from './context.js';
import { createGraphQLHttpHandler } from './http-handler.js';
import { createApiMetrics } from './metrics.js';
import { buildSchema } from './schema.js';

export interface ApiDeps {
  readonly context: ApiContext;
  readonly host: string;
  readonly port: number;
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
export function createApi({ context, host, port, logger }: ApiDeps): Api {
  const schema = buildSchema();
  const metrics = createApiMetrics({ guard: context.guard });
  const apollo = new ApolloServer<ApiContext>({ schema, plugins: [ApolloServerPluginLandingPageDisabled()] });
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
          response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try ${GRAPHQL_PATH}\n`);
          return;
        }
        handleGraphQL(request, response, url.search).catch((error: unknown) => {
          logger.error({ err: error }, 'GraphQL HTTP request failed');
          if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ errors: [{ message: 'internal error' }] }));
        });
      });
      wss = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: WS_MAX_PAYLOAD_BYTES });
      wsCleanup = useServer({ schema, context: () => context }, wss);
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
