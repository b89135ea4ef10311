/**
 * Projector throughput with 1, 2 and 3 projector processes in one consumer group over a topic of
 * several partitions, next to a baseline measured in the same run: as many bare kafkajs consumer
 * processes (bench/support/bare-consumer.ts) in a group of their own on the same topic.
 *
 * The processes are the real `readout projector` (its whole batch path: position checks, decode,
 * fold, Redis scripts, commits), pointed by READOUT_TOPIC_PREFIX at a fresh topic of orders
 * events (bench/support/orders-events.ts), each count of processes writing under a key prefix of
 * its own. The mass-delete guard is off (READOUT_MASS_DELETE_ROWS=0): its deletes would wait for
 * transaction END events, which this topic has none of.
 *
 * Throughput is measured from the group's committed offsets, polled every 100 ms: from the first
 * poll that finds the group Stable with every process a member and something committed, to the
 * poll that finds every partition committed to its end. Over the same interval, the CPU time of
 * the machine, of the consumer processes, of redis-server and of the Kafka broker (/proc).
 *
 * With `--before <checkout>` (another commit's work tree, with node_modules), that commit's
 * `readout projector` is measured too, on the same topic in the same run: what a change of the
 * projector costs, next to the same baseline.
 *
 * Needs `npm run stack:up` (or the demo with its workload stopped) and its settings from
 * stack/env.sh. Appends to BENCHMARKS.md.
 * `--rounds N` repeats every measurement N times, the two projectors taking turns going first,
 * and adds the medians.
 * `--models 6,1,12` measures the projector (and the one `--before`) once per count of read models
 * of public.orders: the demo's own definitions of that table, the first N of them, or copies of
 * them under other names past six (declared only for the benchmark, in a folder of the run's own).
 * After each projector measurement, the Redis memory its key prefix holds (MEMORY USAGE of every
 * key) is divided by the topic's distinct rows.
 *   (source stack/env.sh; node bench/projector-processes.ts [--events 300000] [--partitions 6] [--processes 1,2,3] [--before ../old] [--rounds 3] [--amount-digits 38] [--models 6,1,12])
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { loadConfig } from '../src/config/index.ts';
import { loadDefinitions } from '../src/definitions/index.ts';
import {
  describeCpu,
  processesMatching,
  redisServerPids,
  startCpuAccounting,
  type CpuReport,
} from './support/cpu.ts';
import { Redis as RedisClient, Cluster } from 'ioredis';
import { loadOrdersTopic, ORDERS_ROWS } from './support/orders-events.ts';
import { log, sleep } from './support/measure.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    partitions: { type: 'string', default: '6' },
    processes: { type: 'string', default: '1,2,3' },
    before: { type: 'string' },
    // Amounts of this many digits (numeric(n, 2)) instead of the captured numeric(12, 2).
    'amount-digits': { type: 'string', default: '0' },
    // Each measurement this many times, in alternating order (the machine drifts between runs).
    rounds: { type: 'string', default: '1' },
    // Counts of read models of public.orders to measure the projector with ('' for the definitions as they are).
    models: { type: 'string', default: '' },
    // A folder where every projector process writes a CPU profile (node --cpu-prof) when it exits.
    profile: { type: 'string' },
  },
});
const profileDir = values.profile === undefined ? undefined : resolve(values.profile);
const amountDigits = Number(values['amount-digits']);
const rounds = Number(values.rounds);
const beforeRoot = values.before === undefined ? undefined : resolve(values.before);
const beforeCommit =
  beforeRoot === undefined
    ? ''
    : spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: beforeRoot, encoding: 'utf8' }).stdout.trim();
const total = Number(values.events);
const partitions = Number(values.partitions);
const counts = values.processes.split(',').map(Number);
const config = loadConfig(process.env);
const brokers = config.kafka.brokers.join(',');
const run = `scale${Date.now()}`;
const topic = `${run}.public.orders`;
mkdirSync('test-artifacts', { recursive: true });
const childLog = openSync(`test-artifacts/${run}.log`, 'a');

// The stack's own redis-server(s) and Kafka broker, for the CPU split.
const redisPids = redisServerPids(config);
const stackDir = resolve(process.env.READOUT_STACK_DIR ?? '.stack');
const kafkaPids = processesMatching((line) => line.includes('kafka.Kafka') && line.includes(stackDir));

type Kind = 'bare' | 'readout' | 'before';
/** A count of models of public.orders to run the projector with, or null for the definitions as they are. */
type Models = number | null;
const modelCounts: Models[] = values.models === '' ? [null] : values.models.split(',').map(Number);

/** Each measurement's own consumer group and key prefix. */
const groupOf = (kind: Kind, processes: number, round: number, models: Models = null) =>
  `${run}-${kind}-${processes}-r${round}${models === null ? '' : `-m${models}`}`;

/**
 * A definitions folder with `count` models of public.orders: the configured ones of that table,
 * the first `count` of them, or copies under other names past their number; sources.yaml with them.
 */
function modelsFolder(count: number): string {
  const dir = resolve(`test-artifacts/${run}-models-${count}`);
  if (existsSync(dir)) return dir;
  mkdirSync(dir, { recursive: true });
  const orders = loadDefinitions(config.readModelsDir).filter(
    ({ definition }) => definition.source === 'public.orders',
  );
  for (let i = 0; i < count; i += 1) {
    const { file, definition } =
      orders[i % orders.length] ??
      (() => {
        throw new Error('no model of public.orders');
      })();
    const copy = Math.floor(i / orders.length);
    const name = copy === 0 ? definition.name : `${definition.name}_copy${copy}`;
    const text = readFileSync(resolve(config.readModelsDir, file), 'utf8').replace(
      new RegExp(`^name:\\s*${definition.name}\\s*$`, 'm'),
      `name: ${name}`,
    );
    writeFileSync(resolve(dir, `${name}.yaml`), text);
  }
  for (const entry of readdirSync(config.readModelsDir))
    if (entry === 'sources.yaml') copyFileSync(resolve(config.readModelsDir, entry), resolve(dir, entry));
  return dir;
}

/** Bytes Redis holds under a key prefix (every key whose name has it), by MEMORY USAGE. */
async function memoryOf(prefix: string): Promise<number> {
  const redis =
    config.redis.clusterNodes.length > 0
      ? new Cluster(config.redis.clusterNodes.map((node) => ({ host: node.host, port: node.port })))
      : new RedisClient(config.redis.url);
  let bytes = 0;
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) bytes += Number((await node.memory('USAGE', key, 'SAMPLES', 0)) ?? 0);
    } while (cursor !== '0');
  }
  redis.disconnect();
  return bytes;
}

function startConsumer(
  kind: Kind,
  processes: number,
  round: number,
  index: number,
  models: Models = null,
): ChildProcess {
  const group = groupOf(kind, processes, round, models);
  const args =
    kind === 'bare'
      ? ['bench/support/bare-consumer.ts', brokers, group, topic]
      : ['src/main.ts', 'projector'];
  // A checkout from before Readout ran from its own source without tsx takes tsx, from its own node_modules.
  const tsx = kind === 'before' && existsSync(resolve(beforeRoot ?? '.', 'node_modules/tsx'));
  // --profile: each projector writes a CPU profile there when it exits (node --cpu-prof).
  const profile =
    kind === 'bare' || profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  return spawn(process.execPath, [...profile, ...(tsx ? ['--import', 'tsx'] : []), ...args], {
    ...(kind === 'before' ? { cwd: beforeRoot } : {}),
    stdio: ['ignore', childLog, childLog],
    env: {
      ...process.env,
      READOUT_TOPIC_PREFIX: run,
      READOUT_CONSUMER_GROUP: group,
      READOUT_KEY_PREFIX: group,
      READOUT_KAFKA_CLIENT_ID: `${group}-${index}`,
      READOUT_PROJECTOR_PORT: '0',
      READOUT_MASS_DELETE_ROWS: '0',
      READOUT_LOG_LEVEL: 'warn',
      ...(models === null ? {} : { READOUT_READMODELS_DIR: modelsFolder(models) }),
    },
  });
}

async function committed(admin: Admin, group: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
}

interface Measured {
  readonly messages: number;
  readonly seconds: number;
  readonly fromSpawnSeconds: number;
  readonly cpu: CpuReport;
  /** Polls after the start that found the group rebalancing. */
  readonly unstablePolls: number;
  /** Redis bytes under the measurement's key prefix once it was done, per distinct row (projectors). */
  readonly bytesPerRow: number | null;
}

async function measure(
  admin: Admin,
  kind: Kind,
  processes: number,
  round: number,
  end: number,
  models: Models = null,
): Promise<Measured> {
  const group = groupOf(kind, processes, round, models);
  const spawned = performance.now();
  const children = Array.from({ length: processes }, (_, i) =>
    startConsumer(kind, processes, round, i + 1, models),
  );
  let start: { at: number; committed: number; cpu: ReturnType<typeof startCpuAccounting> } | undefined;
  let unstablePolls = 0;
  try {
    for (let polls = 0; polls < 6000; polls += 1) {
      await sleep(100);
      const [described] = (await admin.describeGroups([group])).groups;
      const stable = described?.state === 'Stable' && described.members.length === processes;
      const done = await committed(admin, group);
      if (!start && stable && done > 0) {
        // Measured only while every process takes part: most of the topic must be left by then.
        if (done > end / 2)
          throw new Error(
            `${kind} × ${processes}: ${done} of ${end} messages were done before every process joined; raise --events`,
          );
        const pids = children.map((child) => child.pid ?? 0);
        start = {
          at: performance.now(),
          committed: done,
          cpu: startCpuAccounting({ consumers: pids, 'redis-server': redisPids, kafka: kafkaPids }),
        };
      } else if (start && !stable) unstablePolls += 1;
      if (start && done >= end) {
        const now = performance.now();
        const cpu = start.cpu.stop();
        return {
          messages: end - start.committed,
          seconds: (now - start.at) / 1000,
          fromSpawnSeconds: (now - spawned) / 1000,
          cpu,
          unstablePolls,
          bytesPerRow: kind === 'bare' ? null : (await memoryOf(group)) / ORDERS_ROWS,
        };
      }
    }
    throw new Error(`${kind} × ${processes}: not every partition committed to its end within 10 minutes`);
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((exited) => {
            child.once('exit', exited);
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}

const kafka = new Kafka({
  clientId: 'readout-bench',
  brokers: [...config.kafka.brokers],
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();
const loadStarted = performance.now();
const messages = await loadOrdersTopic(config.kafka.brokers, topic, partitions, total, amountDigits);
const end = (await admin.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0);
log(
  `loaded ${messages} messages into ${topic} (${partitions} partitions) in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
);

const results: Array<{ kind: Kind; processes: number; round: number; models: Models; measured: Measured }> =
  [];
for (const processes of counts) {
  for (let round = 0; round < rounds; round += 1) {
    // Before and after take turns going first.
    const projectors: Kind[] =
      beforeRoot === undefined
        ? ['readout']
        : round % 2 === 0
          ? ['before', 'readout']
          : ['readout', 'before'];
    const runs: Array<[Kind, Models]> = [
      ['bare', null],
      ...modelCounts.flatMap((models) => projectors.map((kind): [Kind, Models] => [kind, models])),
    ];
    for (const [kind, models] of runs) {
      const measured = await measure(admin, kind, processes, round, end, models);
      results.push({ kind, processes, round, models, measured });
      log(
        `${kind}${models === null ? '' : ` (${models} models)`} × ${processes} (round ${round + 1}): ${Math.round(measured.messages / measured.seconds)} messages/s (${describeCpu(measured.cpu)})${measured.bytesPerRow === null ? '' : `, ${Math.round(measured.bytesPerRow)} B of Redis per row`}`,
      );
    }
  }
}
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();

const rate = (m: Measured) => Math.round(m.messages / m.seconds);
const ordersModels = loadDefinitions(config.readModelsDir).filter(
  ({ definition }) => definition.source === 'public.orders',
).length;
const bareOf = (processes: number, round: number) =>
  results.find((r) => r.kind === 'bare' && r.processes === processes && r.round === round);
const rows = results.map(({ kind, processes, round, models, measured }) => {
  const baseline = bareOf(processes, round)?.measured;
  const name =
    kind === 'bare'
      ? 'baseline: bare kafkajs consumers'
      : kind === 'before'
        ? `\`readout projector\` at ${beforeCommit} (before)`
        : '`readout projector`';
  const withModels = models === null ? name : `${name}, ${models} models of public.orders`;
  const ratio = baseline ? (rate(measured) / rate(baseline)).toFixed(2) : '';
  const cpu = Object.fromEntries(measured.cpu.groups.map((g) => [g.name, g.percentOfCore.toFixed(0)]));
  const memory = measured.bytesPerRow === null ? '' : `${Math.round(measured.bytesPerRow)} B`;
  return `| ${processes} | ${round + 1} | ${withModels} | ${rate(measured)} | ${measured.seconds.toFixed(1)} s | ${ratio} | ${measured.cpu.machineBusyPercent.toFixed(0)}% | ${cpu.consumers}% | ${cpu['redis-server']}% | ${cpu.kafka}% | ${measured.unstablePolls} | ${memory} |`;
});
/** Per count of processes and projector: the median rate and ratio to its round's baseline. */
function medians(): string[] {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2
      ? (sorted[middle] ?? NaN)
      : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
  };
  const kinds: Array<[Kind, Models]> = [
    ['bare', null],
    ...modelCounts.flatMap((models) =>
      (['before', 'readout'] as const).map((kind): [Kind, Models] => [kind, models]),
    ),
  ];
  return counts.flatMap((processes) =>
    kinds.flatMap(([kind, models]) => {
      const mine = results.filter((r) => r.kind === kind && r.processes === processes && r.models === models);
      if (mine.length === 0) return [];
      const ratios = mine.map(
        (r) => rate(r.measured) / rate(bareOf(processes, r.round)?.measured ?? r.measured),
      );
      const who =
        kind === 'bare' ? 'baseline' : kind === 'before' ? `before (${beforeCommit})` : 'this commit';
      const memory = mine.map((r) => r.measured.bytesPerRow).filter((b): b is number => b !== null);
      return [
        `- ${processes} process(es), ${who}${models === null ? '' : `, ${models} models of public.orders`}: median ${Math.round(median(mine.map((r) => rate(r.measured))))} messages/s, median ratio to its round's baseline ${median(ratios).toFixed(2)} over ${mine.length} rounds${memory.length > 0 ? `, Redis per row ${Math.round(median(memory))} B` : ''}`,
      ];
    }),
  );
}

const redisShape =
  config.redis.clusterNodes.length > 0
    ? `a Redis Cluster of ${config.redis.clusterNodes.length} nodes`
    : 'one redis-server';
const report = [
  `## Projector throughput with several processes (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Script: \`bench/projector-processes.ts --events ${total} --partitions ${partitions} --processes ${counts.join(',')}${beforeRoot ? ` --before <checkout of ${beforeCommit}>` : ''}${amountDigits ? ` --amount-digits ${amountDigits}` : ''}${rounds > 1 ? ` --rounds ${rounds}` : ''}${values.models ? ` --models ${values.models}` : ''}\`. Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; Kafka 4.1.2 and ${redisShape} of the local stack on the same machine.`,
  '',
  `${messages} orders messages (creates, status updates, deletes each followed by its tombstone, ~3.8 KB each) keyed by row over ${partitions} partitions${amountDigits ? `, amounts of ${amountDigits} digits (numeric(${amountDigits}, 2): the models' sums pass 2^63 at once)` : ', amounts below 1000.00 (numeric(12, 2))'}. For each count of processes, a fresh consumer group reads the topic from the start: the baseline's bare kafkajs consumers (JSON.parse of key and value, a commit per batch), ${beforeRoot ? `then that many processes of \`readout projector\` as it was at ${beforeCommit} (same topic, own key prefix), ` : ''}then that many \`readout projector\` processes (${values.models ? `with each count of read models of public.orders in ${values.models}: the demo's ${ordersModels}, the first of them, or copies of them under other names past ${ordersModels}` : `every demo read model; ${ordersModels} of them read public.orders`}; the mass-delete guard off) under a fresh key prefix. Redis per row: the bytes (MEMORY USAGE) of every key under the run's key prefix once it was done, divided by the topic's ${ORDERS_ROWS} distinct rows. Rate: messages committed from the first moment the group was Stable with every process a member to the moment every partition was committed to its end. CPU columns: over the same interval, the machine's busy share of its ${cpus().length} cores, and the CPU time of the consumer processes together, of redis-server and of the Kafka broker, each as a share of one core.`,
  '',
  '| processes | round | consumer | messages/s | measured | ratio to baseline | machine busy | consumers | redis-server | Kafka | polls rebalancing | Redis per row |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  ...(rounds > 1 ? ['', ...medians()] : []),
  '',
].join('\n');
process.stdout.write(`\n${report}\n`);
appendFileSync('BENCHMARKS.md', `\n${report}`);
process.exit(0);
