import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKafkaConnect } from '../../src/sources/index.ts';

/** A Connect REST API stand-in on a local port: answers each request with the next status given. */
async function connectAnswering(
  statuses: number[],
): Promise<{ url: string; server: Server; calls: () => number }> {
  let calls = 0;
  const server = createServer((request, response) => {
    const status = statuses[Math.min(calls, statuses.length - 1)] ?? 200;
    calls += 1;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(
      status === 200
        ? JSON.stringify({ name: 'c', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'RUNNING' }] })
        : JSON.stringify({
            error_code: status,
            message: 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)',
          }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, calls: () => calls };
}

let open: Server | undefined;
afterEach(() => open?.close());

describe('the Kafka Connect client', () => {
  it('asks again while Connect answers 409 (its workers rebalancing), then takes the answer', async () => {
    const connect = await connectAnswering([409, 409, 200]);
    open = connect.server;
    const status = await createKafkaConnect(connect.url).status('c');
    expect(status?.state).toBe('RUNNING');
    expect(connect.calls()).toBe(3);
  });

  it('gives up on a conflict that lasts, naming what Connect said', async () => {
    const connect = await connectAnswering([409]);
    open = connect.server;
    await expect(createKafkaConnect(connect.url, { conflictRetryMs: 300 }).status('c')).rejects.toThrow(
      /HTTP 409: .*conflicting operation/,
    );
    expect(connect.calls()).toBeGreaterThan(1);
  });
});
