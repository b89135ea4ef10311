import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { WebSocketServer } from 'ws';
import type { ReadoutConfig } from '../config/index.ts';
import { ErrorCode, describeError } from '../errors/index.ts';
import { HELD_CHANGES } from '../live/index.ts';
import type { Logger } from '../log/logger.ts';
import { createApiAuth, credentialFromHeaders } from './auth.ts';
import { clientError } from './client-errors.ts';
import type { ApiContext } from './context.ts';
import { GRAPHQL_PATH, attachGraphQLWs } from './graphql-ws.ts';
import { createGraphQLHttpHandler, type HttpExecutor } from './http-handler.ts';
import { QUERY_REDIS_DEADLINE_MS, withinDeadline } from './redis-deadline.ts';
import { limitRules } from './limits.ts';
import { createApiMetrics } from './metrics.ts';
import type { ModelSnapshot, Readiness } from '../store/index.ts';
import type { ReadModelDefinition } from '../definitions/index.ts';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from './schema.ts';
import { createSharedSubscribe } from './shared-subscriptions.ts';
import { serveWebPage } from './web-pages.ts';

/** How long /readyz waits for Redis before it answers 503. */
const READINESS_DEADLINE_MS = 2000;

/** The source commit time of a pushed read-model snapshot (held-change lists have none). */
function commitTimeOf(pushed: unknown): number | null {
  const ms = (pushed as Partial<ModelSnapshot>).source?.commitTimeMs;
  return ms ? Number(ms) : null;
}

export interface ApiDeps {
  readonly context: ApiContext;
  readonly settings: ReadoutConfig['api'];
  readonly logger: Logger;
  /** Can every read model be served correctly now? (/readyz) */
  readonly readiness: () => Promise<Readiness>;
}

export interface Api {
  /** Listens; resolves with the GraphQL URL (http; the same path serves ws). */
  start(): Promise<string>;
  /**
   * Serves the schema of these definitions from now on (HTTP and new subscriptions; open ones keep
   * theirs), calling `commit` just before it does. Throws, serving the old one still (and without
   * calling `commit`), when their GraphQL names clash. One reload at a time, in order.
   */
  useDefinitions(definitions: readonly ReadModelDefinition[], commit?: () => void): Promise<void>;
  /** The first step of a shutdown: takes no new connections. */
  stopAccepting(): void;
  /** Then: closes every WebSocket with 1001 and every HTTP connection. */
  closeConnections(): Promise<void>;
}

/**
 * The GraphQL API: Query over HTTP and Subscription over graphql-ws, same port and path; /healthz
 * (alive), /readyz (every read model servable) and /metrics beside.
 */
export function createApi({ context, settings, logger, readiness }: ApiDeps): Api {
  const { host, port, limits, introspection, debugErrors } = settings;
  const metrics = createApiMetrics({ guard: context.guard });
  const auth = createApiAuth(settings.apiKeys);
  const rules = limitRules(limits, introspection);
  // What a client is not shown goes to the log (an outage of Redis is logged once elsewhere).
  const logMasked = (cause: unknown, code: string) => {
    if (code === ErrorCode.DependencyUnavailable) logger.debug({ err: cause }, 'GraphQL operation failed');
    else logger.error({ err: cause, code }, 'GraphQL operation failed');
  };
  const apolloFor = (schema: GraphQLSchema) =>
    new ApolloServer<ApiContext>({
      schema,
      plugins: [ApolloServerPluginLandingPageDisabled()],
      introspection,
      hideSchemaDetailsFromClientErrors: !introspection,
      validationRules: rules,
      parseOptions: { maxTokens: limits.maxTokens },
      // Explicit: Apollo's default shows stack traces unless NODE_ENV is production or test, and
      // nothing sets NODE_ENV (the Dockerfile neither).
      includeStacktraceInErrorResponses: debugErrors,
      // Readout stops in its own order (readout api); Apollo's handlers, installed unless NODE_ENV is
      // test, would stop it and then kill the process with the signal again, halfway through that.
      stopOnTerminationSignals: false,
      formatError: (formatted, error) =>
        clientError(error, {
          debug: debugErrors,
          fallbackCode:
            typeof formatted.extensions?.code === 'string'
              ? formatted.extensions.code
              : ErrorCode.InternalServerError,
          onMasked: logMasked,
        }),
    });
  /**
   * What serves GraphQL now: the schema of the loaded definitions and an Apollo Server over it,
   * with the HTTP requests it is executing. Reloaded definitions get a new one (Apollo cannot
   * change its schema in place); the one it replaces stops once its requests are done.
   */
  interface Serving {
    readonly schema: GraphQLSchema;
    readonly apollo: ApolloServer<ApiContext>;
    inFlight: number;
    retired: boolean;
  }
  const servingFor = (schema: GraphQLSchema): Serving => ({
    schema,
    apollo: apolloFor(schema),
    inFlight: 0,
    retired: false,
  });
  let serving = servingFor(buildSchema([...context.models.values()].map((model) => model.definition)));
  const stopWhenIdle = (retired: Serving): Promise<void> =>
    retired.inFlight === 0 ? retired.apollo.stop() : Promise.resolve();
  const executeHttp: HttpExecutor = async (httpGraphQLRequest, contextValue) => {
    const current = serving;
    current.inFlight += 1;
    try {
      return await current.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        context: () => Promise.resolve(contextValue),
      });
    } finally {
      current.inFlight -= 1;
      if (current.retired) void stopWhenIdle(current);
    }
  };
  /** Swaps run one at a time, in the order asked: the last definitions asked for are served. */
  let swaps: Promise<unknown> = Promise.resolve();
  /**
   * Readiness within READINESS_DEADLINE_MS, never a rejection: a load balancer's probe must have
   * its 503 before its own timeout, also while ioredis holds commands through reconnect attempts.
   */
  const readinessNow = (): Promise<Readiness> =>
    withinDeadline(readiness(), READINESS_DEADLINE_MS).catch((error: unknown) => ({
      ready: false,
      notReady: Object.fromEntries([...context.models.keys()].map((name) => [name, describeError(error)])),
      incomplete: {},
    }));
  // Queries wait for Redis at most QUERY_REDIS_DEADLINE_MS (subscriptions wait as long as it takes).
  const served: ApiContext = {
    ...context,
    live: {
      ...context.live,
      current: (model) => withinDeadline(context.live.current(model), QUERY_REDIS_DEADLINE_MS),
    },
    held: { ...context.held, current: () => withinDeadline(context.held.current(), QUERY_REDIS_DEADLINE_MS) },
  };
  let server: Server | undefined;
  let started = false;
  let wss: WebSocketServer | undefined;
  let disposeWs: (() => Promise<void>) | undefined;

  return {
    async start() {
      await serving.apollo.start();
      started = true;
      const handleGraphQL = createGraphQLHttpHandler(executeHttp, served);
      server = createServer((request, response) => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        if (url.pathname === '/healthz') {
          response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
          return;
        }
        if (url.pathname === '/readyz') {
          void readinessNow().then((state) =>
            response
              .writeHead(state.ready ? 200 : 503, { 'content-type': 'application/json' })
              .end(`${JSON.stringify(state)}\n`),
          );
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
                .end(`not found: try ${GRAPHQL_PATH}, /dashboard, /demo or /graphiql\n`);
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
                  extensions: { code: ErrorCode.Unauthenticated },
                },
              ],
            }),
          );
          return;
        }
        handleGraphQL(request, response, url.search).catch((error: unknown) => {
          logger.error({ err: error }, 'GraphQL HTTP request failed');
          if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({
              errors: [{ message: 'internal error', extensions: { code: ErrorCode.InternalServerError } }],
            }),
          );
        });
      });
      ({ wss, dispose: disposeWs } = attachGraphQLWs({
        server,
        schema: () => serving.schema,
        context: served,
        settings,
        rules,
        logMasked,
        metrics,
        subscribe: createSharedSubscribe(
          (model) => (model === HELD_CHANGES ? served.held.current() : served.live.current(model)),
          (pushed) => metrics.versionPushed(commitTimeOf(pushed)),
        ),
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

    useDefinitions(definitions, commit) {
      const swap = async () => {
        const next = servingFor(buildSchema(definitions)); // refuses clashing names first
        if (started) await next.apollo.start();
        commit?.();
        const previous = serving;
        serving = next;
        previous.retired = true;
        if (started) await stopWhenIdle(previous);
      };
      const run = swaps.then(swap);
      swaps = run.catch(() => undefined);
      return run;
    },

    stopAccepting() {
      // No new HTTP requests or WebSocket upgrades; open connections go on until closed below.
      server?.close();
    },

    async closeConnections() {
      await disposeWs?.(); // graphql-ws closes every socket with 1001 "Going away"
      wss?.close();
      server?.closeAllConnections();
      await serving.apollo.stop();
    },
  };
}
