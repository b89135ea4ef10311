/**
 * Fan-out: N graphql-ws subscribers (default 10,000) spread evenly over 1 or more API processes
 * receive a change. Measures delivery time from the projector's publish (the read model's
 * `appliedAt`, Redis's clock, same machine) to each subscriber, the API processes' memory per
 * subscriber (RSS and V8 heap before and after the subscribers joined), and where the CPU went
 * during each round, from the publish (or the bare send) to the last receipt (/proc: the machine,
 * the servers, this client process, redis-server, and the rest).
 * Baseline in the same run: as many bare `ws` servers broadcasting a message of the same size to
 * the same sockets (bench/support/bare-ws-broadcast.ts). This process holds every client socket.
 *
 * Needs `npm run demo` with its workload stopped (the changes are this script's INSERTs), and the
 * stack's settings (API keys, ports) from stack/env.sh. Starts its own API processes. Appends to
 * BENCHMARKS.md.
 *   (source stack/env.sh; node bench/fan-out.ts [--subscribers 10000] [--rounds 5] [--apis 1,2])
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/index.ts';
import { waitForHealthy } from '../test/support/readout-process.ts';
import {
  combineCpu,
  cpuBetween,
  cpuSnapshot,
  redisServerPids,
  startCpuAccounting,
  type CpuReport,
} from './support/cpu.ts';
import { freePort, log, percentile, sleep } from './support/measure.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    apis: { type: 'string', default: '1' },
  },
});
const count = Number(values.subscribers);
const rounds = Number(values.rounds);
const apiCounts = values.apis.split(',').map(Number);
const config = loadConfig(process.env);
const SUBSCRIPTION =
  'subscription { ordersByStatus { groups: rows { status count: orders revenue } freshness { version appliedAt } } }';
const redisPids = redisServerPids(config);

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

/** Subscriber i of `count` goes to server i mod `servers`: the share of server `index`. */
const shareOf = (index: number, servers: number) => Math.floor((count + servers - 1 - index) / servers);

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

async function startServers(args: (port: number) => string[], health: string, servers: number) {
  const started: Array<{ process: ChildProcess; port: number }> = [];
  for (let i = 0; i < servers; i += 1) {
    const port = await freePort();
    const child = spawn(process.execPath, [...args(port)], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, READOUT_API_PORT: String(port), READOUT_LOG_LEVEL: 'warn' },
    });
    started.push({ process: child, port });
  }
  for (const { port } of started) await waitForHealthy(`http://127.0.0.1:${port}${health}`);
  await sleep(2000);
  return started;
}

async function stopServers(servers: Array<{ process: ChildProcess }>) {
  await Promise.all(
    servers.map(
      ({ process: child }) =>
        new Promise((exited) => {
          child.once('exit', exited);
          child.kill();
        }),
    ),
  );
}

interface FanOut {
  readonly delivery: number[];
  readonly memory: string;
  readonly cpu: CpuReport;
}

async function readoutFanOut(apis: number): Promise<FanOut & { messageBytes: number }> {
  const servers = await startServers(() => ['src/main.ts', 'api'], '/healthz', apis);
  const memory = async (name: string) => {
    let sum = 0;
    for (const { port } of servers) sum += await metric(`http://127.0.0.1:${port}/metrics`, name);
    return sum;
  };
  const before = {
    rss: await memory('readout_api_process_resident_memory_bytes'),
    heap: await memory('readout_api_nodejs_heap_size_used_bytes'),
  };
  const received = new Map<string, number[]>(); // version → receive times
  const appliedAt = new Map<string, number>();
  let messageBytes = 0;
  const subscribe = async (socket: WebSocket) => {
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
  };
  log(`opening ${count} graphql-ws subscriptions on ${apis} API process(es)`);
  const sockets: WebSocket[] = [];
  for (const [i, { port }] of servers.entries()) {
    const url = `ws://127.0.0.1:${port}/graphql`;
    sockets.push(...(await openMany(url, shareOf(i, apis), 'graphql-transport-ws', subscribe)));
  }
  // Everyone has the current value before changes are made.
  const receipts = () => [...received.values()].reduce((n, times) => n + times.length, 0);
  for (let i = 0; i < 600 && receipts() < count; i += 1) await sleep(100);
  await sleep(3000);
  const after = {
    rss: await memory('readout_api_process_resident_memory_bytes'),
    heap: await memory('readout_api_nodejs_heap_size_used_bytes'),
  };
  const db = new pg.Client({ connectionString: config.postgres.url });
  await db.connect();
  const delivery: number[] = [];
  const roundsCpu: CpuReport[] = [];
  const cpuGroups = {
    'API processes': servers.map(({ process: child }) => child.pid ?? 0),
    client: [process.pid],
    'redis-server': redisPids,
  };
  for (let round = 0; round < rounds; round += 1) {
    const known = new Set(received.keys());
    // Snapshots all through the round: its CPU is counted from the last one before the projector
    // published (so the pipeline's own latency before it is left out) to the last receipt.
    const first = cpuSnapshot(cpuGroups);
    const snapshots = [first];
    let last = first;
    await db.query("INSERT INTO orders (customer, status, amount) VALUES ('fan-out', 'paid', 1.00)");
    let version: string | undefined;
    for (let i = 0; i < 1500; i += 1) {
      last = cpuSnapshot(cpuGroups);
      snapshots.push(last);
      version = [...received.keys()].find((v) => !known.has(v) && (received.get(v)?.length ?? 0) >= count);
      if (version) break;
      await sleep(10);
    }
    if (!version) throw new Error(`round ${round}: not every subscriber got the new version`);
    const applied = appliedAt.get(version) ?? NaN;
    roundsCpu.push(cpuBetween(snapshots.filter((snapshot) => snapshot.at <= applied).at(-1) ?? first, last));
    for (const at of received.get(version) ?? []) delivery.push(at - applied);
    await sleep(1000);
  }
  const cpuReport = combineCpu(roundsCpu);
  await db.query("DELETE FROM orders WHERE customer = 'fan-out'");
  await db.end();
  for (const socket of sockets) socket.terminate();
  await stopServers(servers);
  log(`Readout × ${apis}: p50 ${percentile(delivery, 50)} ms, p99 ${percentile(delivery, 99)} ms`);
  return {
    delivery,
    messageBytes,
    cpu: cpuReport,
    memory: `${kb((after.rss - before.rss) / count)} KB RSS, ${kb((after.heap - before.heap) / count)} KB V8 heap`,
  };
}

async function bareFanOut(servers: number, messageBytes: number): Promise<FanOut> {
  const started = await startServers(
    (port) => ['bench/support/bare-ws-broadcast.ts', String(port)],
    '/rss',
    servers,
  );
  const rss = async () => {
    let sum = 0;
    for (const { port } of started) sum += Number(await (await fetch(`http://127.0.0.1:${port}/rss`)).text());
    return sum;
  };
  const before = await rss();
  const times: number[] = [];
  const sockets: WebSocket[] = [];
  for (const [i, { port }] of started.entries()) {
    const opened = await openMany(`ws://127.0.0.1:${port}/`, shareOf(i, servers), undefined, (socket) => {
      socket.on('message', (data: Buffer) => {
        const { sentAt } = JSON.parse(data.toString('utf8')) as { sentAt: number };
        times.push(Date.now() - sentAt);
      });
      return Promise.resolve();
    });
    sockets.push(...opened);
  }
  await sleep(3000);
  const after = await rss();
  const roundsCpu: CpuReport[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const target = times.length + count;
    const bytes = Math.max(0, messageBytes - 40);
    const cpu = startCpuAccounting({
      'bare servers': started.map(({ process: child }) => child.pid ?? 0),
      client: [process.pid],
      'redis-server': redisPids,
    });
    await Promise.all(started.map(({ port }) => fetch(`http://127.0.0.1:${port}/send?bytes=${bytes}`)));
    for (let i = 0; i < 1500 && times.length < target; i += 1) await sleep(10);
    roundsCpu.push(cpu.stop());
    await sleep(1000);
  }
  const cpuReport = combineCpu(roundsCpu);
  for (const socket of sockets) socket.terminate();
  await stopServers(started);
  return { delivery: times, cpu: cpuReport, memory: `${kb((after - before) / count)} KB RSS` };
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const rows: string[] = [];
let bytes = 0;
for (const apis of apiCounts) {
  const readout = await readoutFanOut(apis);
  bytes = readout.messageBytes;
  const bare = await bareFanOut(apis, readout.messageBytes);
  const row = (name: string, { delivery, memory, cpu }: FanOut) => {
    const share = (group: string) =>
      `${cpu.groups.find((g) => g.name === group)?.percentOfCore.toFixed(0) ?? '?'}%`;
    const server = cpu.groups[0]?.name ?? '';
    const named = cpu.groups.reduce((sum, group) => sum + group.seconds, 0);
    const rest = `${((100 * Math.max(0, cpu.machineBusySeconds - named)) / cpu.seconds).toFixed(0)}%`;
    return `| ${apis} | ${name} | ${delivery.length} | ${percentile(delivery, 50).toFixed(0)} | ${percentile(delivery, 99).toFixed(0)} | ${delivery.reduce((most, ms) => Math.max(most, ms), 0).toFixed(0)} | ${memory} | ${cpu.machineBusyPercent.toFixed(0)}% | ${share(server)} | ${share('client')} | ${share('redis-server')} | ${rest} |`;
  };
  rows.push(
    row('baseline: bare `ws` broadcast', bare),
    row('Readout API: graphql-ws subscription to ordersByStatus', readout),
  );
}
const report = [
  `## Fan-out to ${count} subscribers over ${apiCounts.join(' and ')} API process(es) (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Script: \`bench/fan-out.ts --subscribers ${count} --rounds ${rounds} --apis ${apiCounts.join(',')}\` (against \`npm run demo\`, its workload stopped). Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. The subscribers are spread evenly over the server processes; this script holds all ${count} client sockets in one process on the same cores (its own message handling is part of every figure). Each round is one INSERT; delivery time runs from the projector's apply-and-publish (\`freshness.appliedAt\`, Redis's clock) to the subscriber's receipt (same machine clock). Messages of ${bytes} bytes. Baseline: as many bare \`ws\` servers sending a message of the same size to their sockets, timed from the send. Memory: the server processes' growth, summed, per subscriber. CPU, over the busy part of each round (from the projector's publish, or the bare server's send, to the last subscriber's receipt, sampled every ~10 ms, ${rounds} rounds together): the machine's busy share of its ${cpus().length} cores; the server processes together, this client process, redis-server and the rest (the kernel's own work, such as loopback TCP in softirq, and every other process), each as a share of one core.`,
  '',
  '| server processes | server | deliveries | p50 ms | p99 ms | max ms | memory per subscriber | machine busy in rounds | servers | client | redis-server | rest |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n');
process.stdout.write(`\n${report}\n`);
appendFileSync('BENCHMARKS.md', `\n${report}`);
process.exit(0);
