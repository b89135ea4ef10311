/**
 * Fan-out: N graphql-ws subscribers (default 10,000) on one API process receive a change. Measures
 * delivery time from the projector's publish (the read model's `appliedAt`, Redis's clock, same
 * machine) to each subscriber, and the API process's memory per subscriber (RSS and V8 heap before
 * and after the subscribers joined). Baseline in the same run: a bare `ws` server broadcasting a
 * message of the same size to the same number of sockets (bench/support/bare-ws-broadcast.ts).
 * This process holds every client socket.
 *
 * Needs `npm run demo` with its workload stopped (the changes are this script's INSERTs). Starts
 * its own API process. Appends to BENCHMARKS.md.
 *   node --import tsx bench/fan-out.ts [--subscribers 10000] [--rounds 5]
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/index.js';
import { waitForHealthy } from '../test/support/readout-process.js';

const { values } = parseArgs({
  options: { subscribers: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '5' } },
});
const count = Number(values.subscribers);
const rounds = Number(values.rounds);
const config = loadConfig(process.env);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const SUBSCRIPTION =
  'subscription { ordersByStatus { groups { status count revenue } freshness { version appliedAt } } }';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Opens `n` sockets, at most 200 handshakes at a time; `ready` runs on each open socket. */
async function openMany(
  url: string,
  n: number,
  protocol: string | undefined,
  ready: (socket: WebSocket) => Promise<void>,
) {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, n - i) }, async () => {
        const socket = new WebSocket(url, protocol);
        await new Promise<void>((resolve, reject) => {
          socket.once('open', () => resolve());
          socket.once('error', reject);
        });
        await ready(socket);
        sockets.push(socket);
      }),
    );
  }
  return sockets;
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

// --- Readout's API -------------------------------------------------------------------------
const apiPort = await freePort();
const api = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'api'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, READOUT_API_PORT: String(apiPort), READOUT_LOG_LEVEL: 'warn' },
});
const metricsUrl = `http://127.0.0.1:${apiPort}/metrics`;
await waitForHealthy(`http://127.0.0.1:${apiPort}/healthz`);
await sleep(2000);
const before = {
  rss: await metric(metricsUrl, 'readout_api_process_resident_memory_bytes'),
  heap: await metric(metricsUrl, 'readout_api_nodejs_heap_size_used_bytes'),
};

const received = new Map<string, number[]>(); // version → receive times
let messageBytes = 0;
const appliedAt = new Map<string, number>();
log(`opening ${count} graphql-ws subscriptions`);
const subscribers = await openMany(
  `ws://127.0.0.1:${apiPort}/graphql`,
  count,
  'graphql-transport-ws',
  async (socket) => {
    const acked = new Promise<void>((resolve) =>
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as {
          type: string;
          payload?: { data?: { ordersByStatus: { freshness: { version: string; appliedAt: string } } } };
        };
        if (message.type === 'connection_ack') resolve();
        const freshness = message.payload?.data?.ordersByStatus.freshness;
        if (message.type === 'next' && freshness) {
          const times = received.get(freshness.version) ?? [];
          times.push(Date.now());
          received.set(freshness.version, times);
          appliedAt.set(freshness.version, Date.parse(freshness.appliedAt));
          messageBytes = data.length;
        }
      }),
    );
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await acked;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
  },
);
// Everyone has the current value before changes are made.
for (let i = 0; i < 600 && [...received.values()].reduce((n, t) => n + t.length, 0) < count; i += 1)
  await sleep(100);
await sleep(3000);
const after = {
  rss: await metric(metricsUrl, 'readout_api_process_resident_memory_bytes'),
  heap: await metric(metricsUrl, 'readout_api_nodejs_heap_size_used_bytes'),
};

const db = new pg.Client({ connectionString: config.postgres.url });
await db.connect();
const delivery: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  const known = new Set(received.keys());
  await db.query("INSERT INTO orders (customer, status, amount) VALUES ('fan-out', 'paid', 1.00)");
  let version: string | undefined;
  for (let i = 0; i < 300; i += 1) {
    version = [...received.keys()].find((v) => !known.has(v) && (received.get(v)?.length ?? 0) >= count);
    if (version) break;
    await sleep(50);
  }
  if (!version) throw new Error(`round ${round}: not every subscriber got the new version`);
  const applied = appliedAt.get(version) ?? NaN;
  for (const at of received.get(version) ?? []) delivery.push(at - applied);
  await sleep(1000);
}
await db.query("DELETE FROM orders WHERE customer = 'fan-out'");
await db.end();
for (const socket of subscribers) socket.terminate();
api.kill();
log(`Readout: p50 ${percentile(delivery, 50)} ms, p99 ${percentile(delivery, 99)} ms`);

// --- Baseline: bare ws broadcast ---------------------------------------------------------------
const barePort = await freePort();
const bare = spawn(
  process.execPath,
  ['--import', 'tsx', 'bench/support/bare-ws-broadcast.ts', String(barePort)],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const bareUrl = `http://127.0.0.1:${barePort}`;
await waitForHealthy(`${bareUrl}/rss`);
await sleep(2000);
const bareBefore = Number(await (await fetch(`${bareUrl}/rss`)).text());
const bareTimes: number[] = [];
const bareSockets = await openMany(`ws://127.0.0.1:${barePort}/`, count, undefined, (socket) => {
  socket.on('message', (data: Buffer) => {
    const { sentAt } = JSON.parse(data.toString('utf8')) as { sentAt: number };
    bareTimes.push(Date.now() - sentAt);
  });
  return Promise.resolve();
});
await sleep(3000);
const bareAfter = Number(await (await fetch(`${bareUrl}/rss`)).text());
for (let round = 0; round < rounds; round += 1) {
  const target = bareTimes.length + count;
  await fetch(`${bareUrl}/send?bytes=${Math.max(0, messageBytes - 40)}`);
  for (let i = 0; i < 300 && bareTimes.length < target; i += 1) await sleep(50);
  await sleep(1000);
}
for (const socket of bareSockets) socket.terminate();
bare.kill();

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const row = (name: string, samples: number[], memory: string) =>
  `| ${name} | ${samples.length} | ${percentile(samples, 50).toFixed(0)} | ${percentile(samples, 99).toFixed(0)} | ${Math.max(...samples.slice(0, 100_000)).toFixed(0)} | ${memory} |`;
const report = [
  `## Fan-out to ${count} subscribers (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Script: \`bench/fan-out.ts --subscribers ${count} --rounds ${rounds}\` (against \`npm run demo\`, its workload stopped). Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. One API process; this script holds all ${count} client sockets in one process on the same 2 cores (its own message handling is part of every figure). Each round is one INSERT; delivery time runs from the projector's apply-and-publish (\`freshness.appliedAt\`, Redis's clock) to the subscriber's receipt (same machine clock). Messages of ${messageBytes} bytes. Baseline: a bare \`ws\` server sending a message of the same size to as many sockets, timed from its send.`,
  '',
  '| server | deliveries | p50 ms | p99 ms | max ms | memory per subscriber |',
  '|---|---|---|---|---|---|',
  row('baseline: bare `ws` broadcast', bareTimes, `${kb((bareAfter - bareBefore) / count)} KB RSS`),
  row(
    'Readout API: graphql-ws subscription to ordersByStatus',
    delivery,
    `${kb((after.rss - before.rss) / count)} KB RSS, ${kb((after.heap - before.heap) / count)} KB V8 heap`,
  ),
  '',
].join('\n');
process.stdout.write(`\n${report}\n`);
appendFileSync('BENCHMARKS.md', `${report}\n`);
process.exit(0);
