/**
 * The baseline of bench/fan-out.ts: a bare `ws` server that, on POST /send, sends one message of
 * the given size (with its send time) to every connected socket. What 10k sockets cost at all,
 * without GraphQL, Redis or Readout.
 *   node bench/support/bare-ws-broadcast.ts <port>
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/send') {
    const filler = 'x'.repeat(Number(url.searchParams.get('bytes') ?? '400'));
    const message = JSON.stringify({ sentAt: Date.now(), filler });
    for (const socket of wss.clients) socket.send(message);
    response.end('sent\n');
    return;
  }
  if (url.pathname === '/rss') {
    response.end(String(process.memoryUsage().rss));
    return;
  }
  response.writeHead(404).end();
});
const wss = new WebSocketServer({ server });
server.listen(Number(process.argv[2] ?? 4200), '127.0.0.1', () => process.stdout.write('listening\n'));
