import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { ErrorCode } from '../errors/index.ts';
import type { ApiContext } from './context.ts';

const MAX_BODY_BYTES = 256 * 1024;

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  response: ServerResponse,
  status: number,
  body: string,
  contentType = 'application/json',
): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(body);
}

/** Executes one GraphQL request over HTTP: Apollo Server's integration API, on the server of the moment. */
export type HttpExecutor = (request: HTTPGraphQLRequest, context: ApiContext) => Promise<HTTPGraphQLResponse>;

/**
 * Hands an HTTP request to Apollo Server (its integration API), so HTTP and graphql-ws can share
 * one Node server, one port and one path without a web framework.
 */
export function createGraphQLHttpHandler(execute: HttpExecutor, context: ApiContext) {
  return async (request: IncomingMessage, response: ServerResponse, search: string): Promise<void> => {
    let rawBody: string;
    try {
      rawBody = await readBody(request);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        send(
          response,
          413,
          JSON.stringify({
            errors: [
              {
                message: `request body over ${MAX_BODY_BYTES} bytes`,
                extensions: { code: ErrorCode.BadRequest },
              },
            ],
          }),
        );
        return;
      }
      throw error;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = rawBody;
    if (rawBody !== '' && (headers.get('content-type') ?? '').includes('application/json')) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        send(
          response,
          400,
          JSON.stringify({
            errors: [
              { message: 'request body is not valid JSON', extensions: { code: ErrorCode.BadRequest } },
            ],
          }),
        );
        return;
      }
    }
    const result = await execute({ method: request.method ?? 'GET', headers, search, body }, context);
    for (const [name, value] of result.headers) response.setHeader(name, value);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  };
}
