/**
 * Operating Readout on the real stack: `readout status` and the /metrics endpoints against known
 * states (lag while the projector is stopped, a poison record, open subscriptions), and the order
 * of a graceful shutdown of the API and of the projector.
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/cli/status-report.ts';
import type { ReadModelStore } from '../../src/store/index.ts';
import { subscribeWs } from '../support/graphql-clients.ts';
import {
  connectToStack,
  demoModels,
  expectModelsEqualSql,
  markerTxId,
  waitAllApplied,
} from '../support/model-checks.ts';
import { startPipeline, type Pipeline } from '../support/pipeline.ts';
import { metricValue } from '../support/prometheus.ts';
import { runReadout } from '../support/readout-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let pipeline: Pipeline;
let db: pg.Client;
let store: ReadModelStore;
let env: Record<string, string>;

async function status(): Promise<{ code: number | null; report: StatusReport }> {
  const result = await runReadout(['status', '--json'], env);
  return { code: result.code, report: JSON.parse(result.stdout) as StatusReport };
}

async function statusUntil(
  predicate: (report: StatusReport) => boolean,
  timeoutMs = 30_000,
): Promise<{ code: number | null; report: StatusReport }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await status();
    if (predicate(answer.report)) return answer;
    if (Date.now() > deadline) throw new Error(`status never matched: ${JSON.stringify(answer.report)}`);
    await sleep(500);
  }
}

const ordersLag = (report: StatusReport) =>
  report.consumer.find((p) => p.topic === 'readout.public.orders' && p.partition === 0)?.lag;

/** The "shutdown: <step>" lines a process logged, in order. */
function shutdownSteps(logFile: string): string[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"msg":"shutdown: '))
    .map((line) => JSON.parse(line) as { step: string; done: number })
    .sort((a, b) => a.done - b.done) // the order they were done in (log lines may land out of order)
    .map((entry) => entry.step);
}

beforeAll(async () => {
  pipeline = await startPipeline('operate');
  ({ db, store } = await connectToStack(pipeline.id));
  env = {
    READOUT_CONSUMER_GROUP: pipeline.id,
    READOUT_KEY_PREFIX: pipeline.id,
    READOUT_API_PORT: new URL(pipeline.apiUrl).port,
  };
  await waitAllApplied(store, await markerTxId(db));
});

afterAll(async () => {
  await pipeline?.stop();
  await store?.quit();
  await db?.end();
});

describe('operating Readout', () => {
  it('status and /metrics report known states: lag while stopped, a poison record, subscribers', async () => {
    const healthy = await statusUntil((r) => ordersLag(r) === '0');
    expect(healthy.code).toBe(0);
    expect(healthy.report.trouble).toEqual([]);
    expect(healthy.report.readModels.every((m) => m.state === 'ready')).toBe(true);
    expect(healthy.report.api.ready).toBe(true);

    // The projector stopped (not killed): 25 order changes wait in Kafka.
    pipeline.projector.signal('SIGSTOP');
    for (let i = 0; i < 25; i += 1)
      await db.query(`INSERT INTO orders (customer, status, amount) VALUES ('lagging', 'paid', 2.00)`);
    const behind = await statusUntil((r) => ordersLag(r) === '25');
    expect(
      behind.report.consumer.find((p) => p.topic === 'readout.public.orders')?.lagSeconds,
    ).toBeGreaterThan(0);
    pipeline.projector.signal('SIGCONT');
    await statusUntil((r) => ordersLag(r) === '0');
    expect(
      await metricValue(
        pipeline.projectorUrl,
        'readout_consumer_lag_events{topic="readout.public.orders",partition="0"}',
      ),
    ).toBe(0);

    // A record nobody can decode: dead-lettered with its position, the partition keeps flowing.
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${process.env.READOUT_KAFKA_PORT}`],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'readout.public.orders',
      messages: [{ key: '{"id":-1}', value: 'not json at all' }],
    });
    await producer.disconnect();
    await db.query(`INSERT INTO orders (customer, status, amount) VALUES ('after-poison', 'paid', 3.00)`);
    const poisoned = await statusUntil((r) => r.deadLetters === 1 && ordersLag(r) === '0');
    expect(poisoned.code).toBe(1);
    // Every read model of the orders topic misses it (it could not be read at all), by name.
    const ordersModels = demoModels.filter((model) => model.table === 'public.orders').map((m) => m.name);
    expect(poisoned.report.trouble.map((line) => line.replace(/, 1 records of its source .*/, ''))).toEqual([
      ...ordersModels.map((name) => `${name}: incomplete`),
      '1 dead letters: readout dead-letters list, then reapply or drop',
    ]);
    expect(await metricValue(pipeline.projectorUrl, 'readout_changes_dead_lettered_total')).toBe(1);
    // Read from Redis at most once a second (src/pipeline/projector-metrics.ts): an earlier scrape's
    // reading may still stand.
    await expect
      .poll(
        () =>
          metricValue(pipeline.projectorUrl, 'readout_read_model_missed_records{model="orders_by_status"}'),
        {
          timeout: 5000,
        },
      )
      .toBe(1);
    await waitAllApplied(store, await markerTxId(db));
    await expectModelsEqualSql(store, db);

    // Three subscribers, each on its own socket: the API counts them, and forgets them once gone.
    const api = pipeline.apiUrl.replace('/graphql', '');
    const counts = async () => ({
      subscriptions: await metricValue(api, 'readout_api_subscriptions'),
      sockets: await metricValue(api, 'readout_api_sockets'),
    });
    const before = await counts();
    const subscriptions = [1, 2, 3].map(() =>
      subscribeWs(pipeline.apiUrl, 'subscription { openOrders { rows { orders } } }'),
    );
    await Promise.all(subscriptions.map((s) => s.until(() => true, 10_000)));
    expect(await counts()).toEqual({ subscriptions: before.subscriptions + 3, sockets: before.sockets + 3 });
    await Promise.all(subscriptions.map((s) => s.close()));
    await expect.poll(counts, { timeout: 10_000 }).toEqual(before);
  });

  it('shuts the API down in order: no new connections, sockets closed with 1001, Redis', async () => {
    const { api } = pipeline;
    const closed = new Promise<number>((resolve) => {
      const socket = new WebSocket(pipeline.apiUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('message', () => api.signal('SIGTERM')); // connection_ack: the socket is in use
      socket.on('close', (code) => resolve(code));
    });
    expect(await closed).toBe(1001);
    expect(await api.exited).toBe(0);
    expect(shutdownSteps(api.logFile)).toEqual([
      'stopped taking connections',
      'closed WebSockets with 1001 and HTTP connections',
      'quit Redis',
    ]);
  });

  it('shuts the projector down in order under load: endpoints, consumption, the batch in flight, the group, Redis', async () => {
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i += 1)
        await db.query(`INSERT INTO orders (customer, status, amount) VALUES ('shutdown', 'paid', $1)`, [
          1 + (i % 9),
        ]);
    })();
    await sleep(1500);
    const { projector } = pipeline;
    await projector.stop('SIGTERM');
    expect(await projector.exited).toBe(0);
    expect(shutdownSteps(projector.logFile)).toEqual([
      'stopped taking connections',
      'paused consumption and drained the batch in flight (applied, offsets committed)',
      'left the consumer group',
      'quit Redis',
    ]);
    writing = false;
    await writer;
    // Whatever it had applied and committed, the next projector of the group goes on exactly.
    pipeline.startProjector('projector-after-shutdown');
    await waitAllApplied(store, await markerTxId(db));
    await expectModelsEqualSql(store, db);
  });
});
