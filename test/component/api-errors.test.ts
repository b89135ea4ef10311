/**
 * What a client is told when something goes wrong, on HTTP and on graphql-ws, with the API in this
 * process over a stand-in for Redis (these answers do not depend on what Redis holds): the same
 * code for the same refusal on both transports (docs/api.md), no stack trace, file path or
 * internal message unless READOUT_API_DEBUG_ERRORS=on, and GraphiQL's introspection query
 * answered despite the depth limit.
 */
import { getIntrospectionQuery } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/index.ts';
import { loadModels } from '../../src/cli/wiring.ts';
import { loadConfig } from '../../src/config/index.ts';
import { ErrorCode, ReadoutError } from '../../src/errors/index.ts';
import type { HeldFeed, LiveFeed } from '../../src/live/index.ts';
import { emptySnapshot, type ModelSnapshot, type ReadModelStore } from '../../src/store/index.ts';
import pino from 'pino';
import { postGraphQL, wsErrors, wsFirstMessage } from '../support/raw-graphql.ts';

const EMPTY: ModelSnapshot = emptySnapshot('open_orders');

/** What the stand-in for Redis answers for every read model. */
let answer: () => ModelSnapshot = () => EMPTY;

const live: LiveFeed = {
  current: () => Promise.resolve().then(() => answer()),
  watch() {
    let sent = false;
    const iterator: AsyncIterableIterator<ModelSnapshot> = {
      next: async () => {
        if (sent) return new Promise<IteratorResult<ModelSnapshot>>(() => undefined); // no newer version
        sent = true;
        return { done: false, value: answer() };
      },
      return: () => Promise.resolve({ done: true, value: undefined }),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  },
  close: () => Promise.resolve(),
};
const held: HeldFeed = {
  current: () => Promise.resolve({ model: '(held changes)', version: 1n, changes: [] }),
  watch: () => live.watch('(held changes)') as never,
  close: () => Promise.resolve(),
};

const started: Array<() => Promise<void>> = [];
const nodeEnv = process.env.NODE_ENV;

/** An API in this process with `env`'s settings (auth off); resolves with its URL. */
async function apiWith(env: Record<string, string>): Promise<string> {
  const config = loadConfig({ READOUT_API_AUTH: 'off', ...env });
  const api = createApi({
    context: {
      store: {} as ReadModelStore,
      guard: null,
      live,
      held,
      models: new Map(loadModels(config).map((model) => [model.name, model])),
      now: () => Date.now(),
    },
    settings: { ...config.api, port: 0 },
    logger: pino({ level: 'silent' }),
    readiness: () => Promise.resolve({ ready: true, notReady: {}, incomplete: {} }),
  });
  const url = await api.start();
  started.push(async () => {
    api.stopAccepting();
    await api.closeConnections();
  });
  return url;
}

/** Anything a client must not see: stack frames, file paths of the server, the stack trace field. */
function expectNothingInternal(text: string): void {
  expect(text).not.toMatch(/stacktrace/);
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(text).not.toContain(process.cwd());
  expect(text).not.toMatch(/node_modules|\/src\//);
}

beforeAll(() => {
  // As in production: nothing sets NODE_ENV (Apollo and graphql-ws show internals unless it says
  // production); vitest sets it to "test", which would hide the leak.
  delete process.env.NODE_ENV;
});

afterEach(() => {
  answer = () => EMPTY;
});

afterAll(async () => {
  process.env.NODE_ENV = nodeEnv;
  await Promise.all(started.map((stop) => stop()));
});

describe('errors a client sees', () => {
  let url: string;
  beforeAll(async () => {
    url = await apiWith({});
  });

  it('an unexpected exception in a resolver: "internal error" with a code, on both transports', async () => {
    // A snapshot the views cannot read (no buckets): a TypeError deep inside the API's own code.
    answer = () => ({ ...EMPTY, version: 7n, buckets: undefined as never });
    const http = await postGraphQL(url, '{ openOrders { rows { orders } } }');
    expect(http.body.errors).toMatchObject([
      { message: 'internal error', path: ['openOrders'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
    expect(Object.keys(http.body.errors?.[0]?.extensions ?? {})).toEqual(['code']);
    expectNothingInternal(http.text);

    for (const operation of [
      '{ openOrders { rows { orders } } }',
      'subscription { openOrders { rows { orders } } }',
    ]) {
      const message = await wsFirstMessage(url, operation);
      expect(message.type).toBe('next');
      const text = JSON.stringify(message);
      expect(JSON.parse(text)).toMatchObject({
        payload: { errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
      });
      expectNothingInternal(text);
    }
  });

  it("Redis unreachable: DEPENDENCY_UNAVAILABLE, without the address or the client library's words", async () => {
    answer = () => {
      throw new ReadoutError(
        ErrorCode.DependencyUnavailable,
        'Redis version read failed: connect ECONNREFUSED 127.0.0.1:63790',
        { retriable: true },
      );
    };
    const http = await postGraphQL(url, '{ openOrders { rows { orders } } }');
    const ws = await wsErrors(url, '{ openOrders { rows { orders } } }');
    for (const errors of [http.body.errors, ws]) {
      expect(errors?.[0]?.extensions?.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(errors?.[0]?.message).toMatch(/Redis.*could not be read: try again/);
      expect(JSON.stringify(errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    }
    expectNothingInternal(http.text);
  });

  it('refusals before execution carry no stack trace either (syntax, validation, limits)', async () => {
    for (const query of [
      '{ openOrders {',
      '{ openOrder { totalRows } }',
      `{ ${'a: openOrders { totalRows } '.repeat(31)}}`,
    ]) {
      const http = await postGraphQL(url, query);
      expect(http.status).toBe(400);
      expectNothingInternal(http.text);
    }
  });

  it('READOUT_API_DEBUG_ERRORS=on shows the cause and its stack trace', async () => {
    const debugUrl = await apiWith({ READOUT_API_DEBUG_ERRORS: 'on' });
    answer = () => ({ ...EMPTY, version: 7n, buckets: undefined as never });
    const http = await postGraphQL(debugUrl, '{ openOrders { rows { orders } } }');
    expect(http.body.errors?.[0]?.message).toMatch(/buckets/); // the TypeError's own words
    expect(http.body.errors?.[0]?.extensions?.stacktrace).toEqual(
      expect.arrayContaining([expect.stringMatching(/src\/api\//)]),
    );
    const ws = await wsErrors(debugUrl, 'subscription { openOrders { rows { orders } } }');
    expect(ws[0]?.message).toMatch(/buckets/);
    expect(ws[0]?.extensions?.stacktrace).toBeDefined();
  });
});

describe('without NODE_ENV', () => {
  it("leaves SIGTERM to readout api's ordered shutdown (Apollo would kill the process halfway)", async () => {
    const before = process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
    await apiWith({});
    expect(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('one code per refusal, on HTTP and on graphql-ws (docs/api.md)', () => {
  let url: string;
  let tokens: string;
  beforeAll(async () => {
    [url, tokens] = await Promise.all([
      apiWith({ READOUT_API_MAX_DEPTH: '3', READOUT_API_MAX_ALIASES: '2', READOUT_API_MAX_COST: '10' }),
      apiWith({ READOUT_API_MAX_TOKENS: '10' }),
    ]);
  });

  /** The code and HTTP status of a query over HTTP, and the code of the same over graphql-ws. */
  async function codes(target: string, query: string, subscription = query, variables = {}) {
    const http = await postGraphQL(target, query, variables);
    const ws = await wsErrors(target, subscription, variables);
    return {
      status: http.status,
      http: http.body.errors?.[0]?.extensions?.code,
      ws: ws[0]?.extensions?.code,
    };
  }

  it.each([
    ['depth', '{ revenueByHour { rows { hour { start } } } }', 'revenueByHour { rows { hour { start } } }'],
    [
      'aliases',
      '{ a: openOrders { totalRows } b: openOrders { totalRows } c: openOrders { totalRows } }',
      'openOrders { a: totalRows b: totalRows c: totalRows }',
    ],
    [
      'cost',
      '{ openOrders { totalRows rows { orders value largest } freshness { version lagMs sourceTxId sourceLsn } } }',
      'openOrders { totalRows rows { orders value largest } freshness { version lagMs sourceTxId sourceLsn } }',
    ],
  ])('%s over its limit: QUERY_TOO_COMPLEX, status 400', async (_limit, query, field) => {
    expect(await codes(url, query, `subscription { ${field} }`)).toEqual({
      status: 400,
      http: 'QUERY_TOO_COMPLEX',
      ws: 'QUERY_TOO_COMPLEX',
    });
  });

  it('more tokens than allowed, or no GraphQL at all: GRAPHQL_PARSE_FAILED', async () => {
    const long = '{ openOrders { totalRows rows { orders value } __typename freshness } }';
    expect(await codes(tokens, long)).toEqual({
      status: 400,
      http: 'GRAPHQL_PARSE_FAILED',
      ws: 'GRAPHQL_PARSE_FAILED',
    });
    expect(await codes(url, '{ openOrders {')).toEqual({
      status: 400,
      http: 'GRAPHQL_PARSE_FAILED',
      ws: 'GRAPHQL_PARSE_FAILED',
    });
  });

  it('a field the schema does not have, or introspection while it is off: GRAPHQL_VALIDATION_FAILED', async () => {
    for (const query of ['{ openOrder { totalRows } }', '{ __schema { types { name } } }'])
      expect(await codes(url, query)).toEqual({
        status: 400,
        http: 'GRAPHQL_VALIDATION_FAILED',
        ws: 'GRAPHQL_VALIDATION_FAILED',
      });
  });

  it('a bad argument or variable: BAD_USER_INPUT', async () => {
    const limit = '{ aggregate(readModel: "open_orders", limit: 5000) { totalRows } }';
    answer = () => ({ ...EMPTY, version: 3n });
    expect(await codes(url, limit, `subscription ${limit}`)).toMatchObject({
      http: 'BAD_USER_INPUT',
      ws: 'BAD_USER_INPUT',
    });
    const variable = 'query ($n: Int) { revenueByCustomer(limit: $n) { rows { rank } } }';
    expect(await codes(url, variable, variable, { n: 'ten' })).toMatchObject({
      http: 'BAD_USER_INPUT',
      ws: 'BAD_USER_INPUT',
    });
    const subscription = 'subscription ($n: Int) { revenueByCustomer(limit: $n) { rows { rank } } }';
    expect((await wsErrors(url, subscription, { n: 'ten' }))[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('a read model no projector has filled: READ_MODEL_NOT_READY', async () => {
    expect(
      await codes(
        url,
        '{ openOrders { rows { orders } } }',
        'subscription { openOrders { rows { orders } } }',
      ),
    ).toMatchObject({
      http: 'READ_MODEL_NOT_READY',
      ws: 'READ_MODEL_NOT_READY',
    });
  });
});

describe('GraphiQL with introspection on', () => {
  it("loads the schema: graphql-js's introspection query passes the depth limit, on both transports", async () => {
    const url = await apiWith({ READOUT_API_INTROSPECTION: 'on' });
    const query = getIntrospectionQuery();
    const http = await postGraphQL(url, query);
    expect(http.body.errors).toBeUndefined();
    expect((http.body.data as { __schema: { queryType: { name: string } } }).__schema.queryType.name).toBe(
      'Query',
    );
    const ws = await wsFirstMessage(url, query);
    expect(ws).toMatchObject({
      type: 'next',
      payload: { data: { __schema: { queryType: { name: 'Query' } } } },
    });
  });

  it('keeps the depth limit for anything else, and gives introspection a bound of its own', async () => {
    const url = await apiWith({ READOUT_API_INTROSPECTION: 'on', READOUT_API_MAX_DEPTH: '3' });
    const deepIntrospection = '{ __schema { types { fields { type { name } } } } }';
    expect((await postGraphQL(url, deepIntrospection)).body.errors).toBeUndefined();
    const mixed = '{ __schema { types { fields { type { name } } } } openOrders { totalRows } }';
    expect((await postGraphQL(url, mixed)).body.errors?.[0]?.message).toMatch(
      /query depth 5 exceeds the limit of 3/,
    );
    const ofType = (depth: number): string => (depth === 0 ? 'name' : `ofType { ${ofType(depth - 1)} }`);
    const tooDeep = `{ __type(name: "Query") { fields { type { ${ofType(18)} } } } }`;
    const refused = await postGraphQL(url, tooDeep);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(refused.body.errors?.[0]?.message).toMatch(/exceeds the limit of 20/);
  });
});
