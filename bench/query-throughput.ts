/**
 * Dashboard query throughput and latency of Readout's API, next to a baseline measured in the same
 * run: a bare @apollo/server answering the same query's shape with a constant
 * (bench/support/bare-apollo-server.ts). Each server is its own process; this process is the load
 * generator (keep-alive HTTP, `--concurrency` requests in flight, `--seconds` after a warm-up).
 *
 * Needs `npm run demo` (its Redis holds the read models). BENCH_LOAD describes the load in the
 * report: stop the demo's workload (.stack/run/workload.pid) for a quiet run, or keep it.
 * Starts its own API process on a free port with the demo's settings. Appends to BENCHMARKS.md.
 *   node bench/query-throughput.ts [--seconds 15] [--concurrency 32]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Agent, request } from 'node:http';
import { freePort, percentile } from './support/measure.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '15' }, concurrency: { type: 'string', default: '32' } },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const QUERY =
  '{ ordersByStatus { groups: rows { status count: orders revenue } freshness { version lagMs } } }';

function start(args: string[]): ChildProcess {
  return spawn(process.execPath, [...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitUntilAnswering(url: string): Promise<void> {
  for (let i = 0; i < 150; i += 1) {
    try {
      if ((await post(url, new Agent({ keepAlive: true }))).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} never answered`);
}

const body = JSON.stringify({ query: QUERY });
function post(url: string, agent: Agent): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (response) => {
      response.on('data', () => undefined);
      response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `concurrency` loops posting the query for `ms`; latencies of the answered requests. */
async function load(url: string, ms: number): Promise<{ latencies: number[]; failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let failed = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        const { status } = await post(url, agent);
        if (status === 200) latencies.push(performance.now() - started);
        else failed += 1;
      }
    }),
  );
  agent.destroy();
  return { latencies, failed };
}

async function measure(name: string, url: string) {
  await load(url, 3000); // warm-up (JIT, connections)
  const { latencies, failed } = await load(url, seconds * 1000);
  const perSecond = latencies.length / seconds;
  process.stdout.write(
    `${name}: ${Math.round(perSecond)} req/s, p99 ${percentile(latencies, 99).toFixed(1)} ms\n`,
  );
  return { name, perSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failed };
}

const barePort = await freePort();
const apiPort = await freePort();
const bare = start(['bench/support/bare-apollo-server.ts', String(barePort)]);
const readout = spawn(process.execPath, ['src/main.ts', 'api'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, READOUT_API_PORT: String(apiPort), READOUT_LOG_LEVEL: 'warn' },
});
try {
  const bareUrl = `http://127.0.0.1:${barePort}/`;
  const apiUrl = `http://127.0.0.1:${apiPort}/graphql`;
  await waitUntilAnswering(bareUrl);
  await waitUntilAnswering(apiUrl);
  const baseline = await measure('baseline: bare @apollo/server, constant answer', bareUrl);
  const ours = await measure(
    'Readout API: ordersByStatus, snapshot read from Redis once per version',
    apiUrl,
  );
  const row = (r: typeof baseline) =>
    `| ${r.name} | ${Math.round(r.perSecond)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.failed} | ${(r.perSecond / baseline.perSecond).toFixed(2)} |`;
  const report = [
    `## Dashboard query throughput (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Script: \`bench/query-throughput.ts --seconds ${seconds} --concurrency ${concurrency}\` (against \`npm run demo\`). Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Each server is one Node process; this script is the load generator (keep-alive HTTP/1.1, ${concurrency} requests in flight, ${seconds} s after a 3 s warm-up); Redis, PostgreSQL, Kafka and Connect of the demo stack run on the same machine; ${process.env.BENCH_LOAD ?? 'the demo workload stopped'}.`,
    '',
    `Query: \`${QUERY}\`.`,
    '',
    '| server | requests/s | p50 ms | p99 ms | failed | ratio |',
    '|---|---|---|---|---|---|',
    row(baseline),
    row(ours),
    '',
  ].join('\n');
  process.stdout.write(`\n${report}\n`);
  appendFileSync('BENCHMARKS.md', `${report}\n`);
} finally {
  bare.kill();
  readout.kill();
}
