import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.ts';

export interface OpsEndpoints {
  /** Ready to do its job correctly now; `detail` says why not (JSON body of /readyz). */
  readonly ready: () => Promise<{ ready: boolean; detail: unknown }>;
  readonly metrics: { readonly contentType: string; render(): Promise<string> };
}

/**
 * A small HTTP server beside a worker process (the projector): /healthz (alive), /readyz and
 * /metrics (Prometheus). Resolves with its address once listening; `close` stops it.
 */
export async function startOpsServer(
  host: string,
  port: number,
  endpoints: OpsEndpoints,
  logger: Logger,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const fail = (error: unknown) => {
      logger.warn({ err: error, path }, 'ops endpoint failed');
      if (!response.headersSent) response.writeHead(503, { 'content-type': 'text/plain' });
      response.end('unavailable\n');
    };
    if (path === '/healthz') response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    else if (path === '/readyz')
      endpoints.ready().then(({ ready, detail }) => {
        response
          .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(`${JSON.stringify({ ready, detail })}\n`);
      }, fail);
    else if (path === '/metrics')
      endpoints.metrics.render().then((text) => {
        response.writeHead(200, { 'content-type': endpoints.metrics.contentType }).end(text);
      }, fail);
    else response.writeHead(404, { 'content-type': 'text/plain' }).end('try /healthz, /readyz or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  logger.info({ url }, 'serving /healthz, /readyz and /metrics');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
