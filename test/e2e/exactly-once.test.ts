/**
 * Exactly-once effect under the duplicates Debezium and Kafka really produce, on the real stack:
 * the projector killed (SIGKILL) mid-stream several times, the Kafka Connect worker crashed and
 * restarted (Debezium re-sends what it had not flushed), and a full re-snapshot (every row again
 * as `r`, at new offsets). Afterwards every model equals its SQL oracle and the counters show
 * that duplicates were seen and skipped.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadModelStore } from '../../src/store/index.ts';
import {
  connectToStack,
  demoModels,
  expectFlowMatchesStream,
  expectModelsEqualSql,
  markShippedFlow,
  markerTxId,
  shippedByMinute,
  waitAllApplied,
} from '../support/model-checks.ts';
import { backgroundWorkload } from '../support/background-workload.ts';
import { startReadout, type ReadoutProcess } from '../support/readout-process.ts';
import { crashConnectWorker, resnapshot, restartStack } from '../support/stack-control.ts';
import { currentLsn, shippedMovesInStream } from '../support/stream-oracle.ts';

const id = `chaos-${randomUUID().slice(0, 8)}`;
const env = { READOUT_CONSUMER_GROUP: id, READOUT_KEY_PREFIX: id, READOUT_KAFKA_SESSION_TIMEOUT_MS: '6000' };
let db: pg.Client;
let store: ReadModelStore;
let projector: ReadoutProcess | undefined;
let starts = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startProjector(): ReadoutProcess {
  starts += 1;
  projector = startReadout(`${id}-projector-${starts}`, 'projector', env);
  return projector;
}

async function totalVersion(): Promise<bigint> {
  let total = 0n;
  for (const model of demoModels) total += (await store.readSnapshot(model)).version;
  return total;
}

/** Waits until the projector has applied more since `from`: it is busy, so a kill lands mid-stream. */
async function whileApplying(from: bigint): Promise<void> {
  for (let i = 0; (await totalVersion()) <= from + 3n; i += 1) {
    if (i > 600) throw new Error('the projector applied nothing for a minute');
    await sleep(100);
  }
}

beforeAll(async () => {
  ({ db, store } = await connectToStack(id));
});

afterAll(async () => {
  await projector?.stop();
  await store?.quit();
  await db?.end();
});

describe('exactly-once effect', () => {
  it('survives projector SIGKILLs, a Connect worker crash and a re-snapshot, and counts the duplicates it skipped', async () => {
    startProjector();
    await waitAllApplied(store, await markerTxId(db));
    const before = await markShippedFlow(store, db);
    const minutesBefore = await shippedByMinute(store);
    const startLsn = await currentLsn(db); // nothing else writes now: the workload starts below

    // Phase 1: crashes that lose nothing Debezium streamed (it resumes from its offsets).
    let workload = backgroundWorkload(4242);
    for (let kill = 0; kill < 3; kill += 1) {
      await whileApplying(await totalVersion());
      await projector?.stop('SIGKILL');
      startProjector();
    }
    await whileApplying(await totalVersion());
    crashConnectWorker();
    await sleep(3000); // changes keep being written while Debezium is down
    restartStack();
    await whileApplying(await totalVersion());
    await workload.stop();
    await waitAllApplied(store, await markerTxId(db), 180_000);
    await expectModelsEqualSql(store, db);
    // Every move into "shipped" that Debezium delivered (some of them twice) counted exactly once;
    // and Debezium delivered every move PostgreSQL made, or the test says how many it did not.
    const after = await markShippedFlow(store, db);
    const streamed = await shippedMovesInStream(
      `${process.env.READOUT_TOPIC_PREFIX ?? 'readout'}.public.orders`,
      startLsn,
    );
    const audited = after.audited.count - before.audited.count;
    await expectFlowMatchesStream(store, { keyPrefix: id, before, after, minutesBefore, streamed, startLsn });
    if (streamed.count !== audited) {
      const note = `exactly-once: PostgreSQL made ${audited} moves into shipped, Debezium's topic holds ${streamed.count} (Connect worker crash and restart); Readout counted every one it delivered, once`;
      process.stderr.write(`${note}\n`);
      writeFileSync(new URL('../../test-artifacts/debezium-delivery-gap.txt', import.meta.url), `${note}\n`);
    }
    expect(streamed.count).toBeLessThanOrEqual(audited);
    expect(streamed.count).toBeGreaterThan(0n);

    // Phase 2: a re-snapshot while changes keep coming (offsets reset: every row read again).
    // It restores the state exactly, including rows deleted while the connector was stopped;
    // changes made in that stop are not history any consumer can count (flows are not checked).
    workload = backgroundWorkload(4343);
    await whileApplying(await totalVersion());
    await resnapshot();
    await sleep(5000);
    await workload.stop();
    await waitAllApplied(store, await markerTxId(db), 180_000);
    await expectModelsEqualSql(store, db);

    let duplicates = 0n;
    for (const model of demoModels) duplicates += (await store.readCounters(model)).duplicates;
    expect(duplicates).toBeGreaterThan(0n);
  });
});
