/**
 * The API's safety on a real API process (Redis from the stack): API keys on HTTP and in
 * graphql-ws `connection_init`, query limits refused before execution on both transports when
 * exceeded by one, introspection and suggestions off, the WebSocket Origin check, subscriptions
 * per socket and connections per process. Each refusal is a precise error or close code.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { startReadout, waitForReady, type ReadoutProcess } from '../support/readout-process.ts';

const KEY = 'test-key-0123456789abcdef';
const running: ReadoutProcess[] = [];
// One consumer group and key prefix for the file: a projector fills the read models the APIs serve.
const id = `safety-${randomUUID().slice(0, 8)}`;
let guarded: string; // auth on, introspection off, small limits
let tokens: string; // a token limit of 10

async function startApi(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  running.push(
    startReadout(`${id}-api-${port}`, 'api', {
      READOUT_KEY_PREFIX: id,
      READOUT_API_PORT: String(port),
      ...env,
    }),
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitForReady(url);
  return url;
}

interface Answer {
  status: number;
  data?: unknown;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function post(
  url: string,
  query: string,
  headers: Record<string, string> = { authorization: `Bearer ${KEY}` },
): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
}

/** A raw graphql-transport-ws socket: the messages it got, and how it closed. */
function rawSocket(url: string, origin?: string) {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', origin ? { origin } : {});
  const messages: Array<{ type: string; id?: string; payload?: unknown }> = [];
  socket.on('message', (data: Buffer) =>
    messages.push(JSON.parse(data.toString()) as (typeof messages)[number]),
  );
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const refused = new Promise<number>((resolve) =>
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)),
  );
  const opened = new Promise<void>((resolve) => socket.on('open', () => resolve()));
  const send = (message: unknown) => socket.send(JSON.stringify(message));
  const next = async (type: string, id?: string) => {
    for (let i = 0; i < 100; i += 1) {
      const found = messages.find((m) => m.type === type && (id === undefined || m.id === id));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no ${type} message (got ${JSON.stringify(messages)})`);
  };
  /** Opens, initialises with the key, waits for the ack. */
  const ready = async () => {
    await opened;
    send({ type: 'connection_init', payload: { authorization: `Bearer ${KEY}` } });
    await next('connection_ack');
  };
  return { socket, messages, closed, refused, opened, send, next, ready };
}

/** The first error a graphql-ws subscription gets for `query`. */
async function wsErrors(
  url: string,
  query: string,
): Promise<Array<{ message: string; extensions?: { code?: string } }>> {
  const client = rawSocket(url);
  await client.ready();
  client.send({ id: '1', type: 'subscribe', payload: { query } });
  const error = await client.next('error', '1').catch((failure: unknown) => {
    throw new Error(`${query}: ${String(failure)}`);
  });
  client.socket.close();
  return error.payload as Array<{ message: string; extensions?: { code?: string } }>;
}

beforeAll(async () => {
  running.push(
    startReadout(`${id}-projector`, 'projector', { READOUT_KEY_PREFIX: id, READOUT_CONSUMER_GROUP: id }),
  );
  [guarded, tokens] = await Promise.all([
    startApi({
      READOUT_API_AUTH: 'keys',
      READOUT_API_KEYS: `${KEY},another-key-0123456789`,
      READOUT_API_INTROSPECTION: 'off',
      READOUT_API_MAX_DEPTH: '3',
      READOUT_API_MAX_ALIASES: '2',
      READOUT_API_MAX_COST: '10',
      READOUT_API_MAX_SUBSCRIPTIONS_PER_SOCKET: '2',
      READOUT_API_MAX_CONNECTIONS: '3',
    }),
    startApi({ READOUT_API_AUTH: 'off', READOUT_API_MAX_TOKENS: '10' }),
  ]);
});

afterAll(async () => {
  await Promise.all(running.map((process) => process.stop()));
});

describe('API safety', () => {
  it('asks for an API key on HTTP (Bearer or X-API-Key) and refuses a missing or unknown one with 401', async () => {
    const query = '{ openOrders { totalRows } }';
    for (const headers of [{}, { authorization: 'Bearer not-a-key-at-all-0000' }, { 'x-api-key': 'nope' }]) {
      const answer = await post(guarded, query, headers);
      expect(answer.status).toBe(401);
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect((await post(guarded, query)).status).toBe(200);
    expect((await post(guarded, query, { 'x-api-key': 'another-key-0123456789' })).status).toBe(200);
  });

  it('closes a WebSocket whose connection_init has no valid key with 4403', async () => {
    const refused = rawSocket(guarded);
    await refused.opened;
    refused.send({ type: 'connection_init', payload: { authorization: 'Bearer wrong-key-0123456789' } });
    expect((await refused.closed).code).toBe(4403);
    const accepted = rawSocket(guarded);
    await accepted.ready();
    accepted.socket.close();
  });

  it('refuses each limit exceeded by one before execution, on HTTP and on WebSocket', async () => {
    const cost10 =
      'openOrders { totalRows rows { orders value largest } freshness { version lagMs sourceTxId';
    const cases: Array<{ allowed: string; refused: string; subscription: string; message: RegExp }> = [
      {
        allowed: '{ revenueByHour { freshness { version } } }',
        refused: '{ revenueByHour { rows { hour { start } } } }',
        subscription: 'subscription { revenueByHour { rows { hour { start } } } }',
        message: /query depth 4 exceeds the limit of 3/,
      },
      {
        allowed: '{ a: openOrders { totalRows } b: openOrders { totalRows } }',
        refused: '{ a: openOrders { totalRows } b: openOrders { totalRows } c: openOrders { totalRows } }',
        subscription: 'subscription { openOrders { a: totalRows b: totalRows c: totalRows } }',
        message: /aliases 3 exceeds the limit of 2/,
      },
      {
        allowed: `{ ${cost10} } } }`,
        refused: `{ ${cost10} sourceLsn } } }`,
        subscription: `subscription { ${cost10} sourceLsn } } }`,
        message: /query cost \(fields selected\) 11 exceeds the limit of 10/,
      },
    ];
    for (const { allowed, refused, subscription, message } of cases) {
      expect((await post(guarded, allowed)).errors).toBeUndefined();
      const answer = await post(guarded, refused);
      expect(answer.status).toBe(400);
      expect(answer.data).toBeUndefined();
      expect(answer.errors?.[0]?.message).toMatch(message);
      // One code for the refusal on both transports (docs/api.md).
      expect(answer.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      const [wsError] = await wsErrors(guarded, subscription);
      expect(wsError?.message).toMatch(message);
      expect(wsError?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    }
    // Tokens: 10 pass, 11 do not (limited while parsing).
    expect((await post(tokens, '{ openOrders { rows { orders value } } }')).errors).toBeUndefined();
    const tooLong = '{ openOrders { rows { orders value } freshness } }';
    const parseRefused = await post(tokens, tooLong);
    expect(parseRefused.status).toBe(400);
    expect(parseRefused.errors?.[0]?.message).toMatch(/more tha.? 10 tokens/);
    expect(parseRefused.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const [wsParseError] = await wsErrors(tokens, `subscription ${tooLong}`);
    expect(wsParseError?.message).toMatch(/more tha.? 10 tokens/);
    expect(wsParseError?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('hides the schema when introspection is off: no __schema, no "Did you mean"', async () => {
    const introspection = await post(guarded, '{ __schema { types { name } } }');
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    expect(introspection.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await post(guarded, '{ openOrder { totalRows } }');
    expect(typo.errors?.[0]?.message).toMatch(/Cannot query field "openOrder"/);
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
    expect(typo.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typoWs = await wsErrors(guarded, 'subscription { openOrder { count } }');
    expect(typoWs[0]?.message).not.toMatch(/Did you mean/);
    expect(typoWs[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('shows no stack trace or server path in an error (READOUT_API_DEBUG_ERRORS is off)', async () => {
    for (const query of ['{ openOrders {', '{ openOrder { totalRows } }', '{ openOrders { totalRows } }']) {
      const response = await fetch(guarded, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ query }),
      });
      const text = await response.text();
      expect(text).not.toMatch(/stacktrace|node_modules|\/src\//);
      expect(text).not.toContain(process.cwd());
    }
  });

  it('refuses a WebSocket from another origin with 403, and accepts its own origin', async () => {
    expect(await rawSocket(guarded, 'http://evil.example').refused).toBe(403);
    const own = rawSocket(guarded, new URL(guarded).origin);
    await own.ready();
    own.socket.close();
  });

  it('closes a socket that opens more subscriptions than allowed with 4601', async () => {
    const client = rawSocket(guarded);
    await client.ready();
    for (const id of ['1', '2', '3'])
      client.send({ id, type: 'subscribe', payload: { query: 'subscription { openOrders { totalRows } }' } });
    const closed = await client.closed;
    expect(closed.code).toBe(4601);
    expect(closed.reason).toMatch(/too many subscriptions/);
  });

  it('closes connections past the per-process limit with 1013', async () => {
    const sockets = [rawSocket(guarded), rawSocket(guarded), rawSocket(guarded)];
    await Promise.all(sockets.map((s) => s.opened));
    const fourth = rawSocket(guarded);
    expect((await fourth.closed).code).toBe(1013);
    for (const s of sockets) s.socket.close();
  });

  it("closes with graphql-ws's own codes on protocol errors: 4400, 4401, 4408, 4409, 4429", async () => {
    const malformed = rawSocket(tokens);
    await malformed.opened;
    malformed.socket.send('{"type":"no-such-message"}');
    expect((await malformed.closed).code).toBe(4400);

    const early = rawSocket(tokens);
    await early.opened;
    early.send({
      id: '1',
      type: 'subscribe',
      payload: { query: 'subscription { openOrders { totalRows } }' },
    });
    expect((await early.closed).code).toBe(4401);

    const silent = rawSocket(tokens); // never sends connection_init
    expect((await silent.closed).code).toBe(4408);

    const duplicate = rawSocket(tokens);
    await duplicate.ready();
    for (let i = 0; i < 2; i += 1)
      duplicate.send({
        id: 'same',
        type: 'subscribe',
        payload: { query: 'subscription { openOrders { totalRows } }' },
      });
    expect((await duplicate.closed).code).toBe(4409);

    const twice = rawSocket(tokens);
    await twice.ready();
    twice.send({ type: 'connection_init', payload: {} });
    expect((await twice.closed).code).toBe(4429);
  });
});
