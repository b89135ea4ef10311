/** GraphQL over HTTP and graphql-ws without a client library: what the server sends, as it sends it. */
import WebSocket from 'ws';

export interface WsMessage {
  readonly type: 'next' | 'error';
  readonly id?: string;
  readonly payload?: unknown;
}

export interface WsClosed {
  readonly type: 'closed';
  readonly code: number;
  readonly reason: string;
}

/** A GraphQL POST; the status and the body as the client sees them. */
export async function postGraphQL(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; text: string; body: GraphQLBody }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as GraphQLBody };
}

export interface GraphQLBody {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> & { code?: string } }>;
}

/**
 * One operation over a raw graphql-transport-ws socket (no client library in between, so the test
 * sees exactly what the server sends): the first `next` or `error` message for it, and the close
 * code if the server closed the socket instead.
 */
export async function wsFirstMessage(
  httpUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  timeoutMs = 10_000,
): Promise<WsMessage | WsClosed> {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ${query} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { type: string; id?: string };
        if (message.type === 'connection_ack')
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
        else if ((message.type === 'next' || message.type === 'error') && message.id === '1') {
          clearTimeout(timer);
          resolve(message as WsMessage);
        }
      });
      socket.on('close', (code, reason) => {
        clearTimeout(timer);
        resolve({ type: 'closed', code, reason: reason.toString() });
      });
      socket.on('error', reject);
    });
  } finally {
    socket.close();
  }
}

/** The errors of the first answer to an operation over graphql-ws (from `next` or `error`). */
export async function wsErrors(
  httpUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Array<{ message: string; extensions?: Record<string, unknown> & { code?: string } }>> {
  const message = await wsFirstMessage(httpUrl, query, variables);
  if (message.type === 'closed') throw new Error(`socket closed ${message.code}: ${message.reason}`);
  const payload = message.payload as
    | { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }
    | Array<{ message: string; extensions?: Record<string, unknown> }>;
  return Array.isArray(payload) ? payload : (payload.errors ?? []);
}
