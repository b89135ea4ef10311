/**
 * Bringing your own table (docs/onboarding.md), end to end on the real stack: a table that
 * already holds a few thousand rows and none of Readout's setup, a read model for it, then
 * `readout sources check` (exit 1 and the SQL), `--apply` (the grants, the publication, the
 * connector's table list, a backfill through Debezium's signal table) while a writer keeps
 * inserting, updating and deleting its rows, and a projector on those definitions. The read
 * model must equal SQL's GROUP BY exactly: every row backfilled once, no row counted twice, no
 * change lost. A second `--apply` changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/definitions/index.ts';
import { readTopic } from '../../src/ingest/index.ts';
import { compileModel, type CompiledModel } from '../../src/projection/index.ts';
import { createRedisStore, type ReadModelStore } from '../../src/store/index.ts';
import { stackRedisOptions } from '../support/model-checks.ts';
import type { ModelView } from '../support/read-model-views.ts';
import { snapshotView } from '../support/read-model-views.ts';
import { runReadout, startReadout, type ReadoutProcess } from '../support/readout-process.ts';

const suffix = randomUUID().slice(0, 8);
const id = `onboard-${suffix}`;
const table = `onboard_${suffix}`;
const qualified = `public.${table}`;
const kind = `onboard_${suffix}_kind`;
const ROWS = 3000;

let db: pg.Client;
let writerDb: pg.Client;
let store: ReadModelStore;
let model: CompiledModel;
let projector: ReadoutProcess | undefined;
let dir: string;
/** What `readout` runs with: the definitions with the new model, a template with small chunks. */
let env: Record<string, string>;

beforeAll(async () => {
  const pgUrl = process.env.READOUT_PG_URL;
  if (!pgUrl) throw new Error('READOUT_PG_URL is not set: run the e2e tests with `npm test`');
  db = new pg.Client({ connectionString: pgUrl });
  writerDb = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  await writerDb.connect();
  // Not the demo's: a uuid key, a numeric of scale 8, an enum, a timestamptz, a jsonb; rows
  // before anything captures it, and no grant, no publication.
  await db.query(`
    CREATE TYPE ${kind} AS ENUM ('small', 'medium', 'large');
    CREATE TABLE ${table} (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind ${kind} NOT NULL,
      amount numeric(30, 8) NOT NULL,
      seen_at timestamptz NOT NULL DEFAULT now(),
      doc jsonb);
    INSERT INTO ${table} (kind, amount, seen_at, doc)
      SELECT (ARRAY['small', 'medium', 'large'])[1 + g % 3]::${kind},
             round((g * 7919 % 100003) * 1234.56789012 + g / 3.0, 8),
             now() - g * interval '1 minute', jsonb_build_object('g', g)
      FROM generate_series(1, ${ROWS}) g;`);
  dir = mkdtempSync(join(tmpdir(), 'readout-onboard-'));
  cpSync(new URL('../../readmodels/', import.meta.url).pathname, join(dir, 'readmodels'), {
    recursive: true,
  });
  writeFileSync(
    join(dir, 'readmodels', 'onboard.yaml'),
    [
      `name: onboard_${suffix}`,
      `source: ${qualified}`,
      'dimensions: [{ column: kind }]',
      'measures:',
      '  - { name: rows, type: count }',
      '  - { name: amount, type: sum, column: amount, scale: 8 }',
      '  - { name: largest, type: max, column: amount, scale: 8 }',
    ].join('\n'),
  );
  // Chunks of 64 rows: ~50 snapshot windows for the writer's changes to fall into.
  const template = JSON.parse(
    readFileSync(new URL('../../stack/connector/readout-connector.json', import.meta.url), 'utf8'),
  ) as { config: Record<string, string> };
  template.config['incremental.snapshot.chunk.size'] = '64';
  writeFileSync(join(dir, 'connector.json'), JSON.stringify(template));
  env = {
    READOUT_READMODELS_DIR: join(dir, 'readmodels'),
    READOUT_CONNECTOR_FILE: join(dir, 'connector.json'),
  };
  const definition = loadDefinitions(env.READOUT_READMODELS_DIR ?? '').find(
    (loaded) => loaded.definition.source === qualified,
  )?.definition;
  if (!definition) throw new Error('the test model did not load');
  model = compileModel(definition);
  store = createRedisStore({ ...stackRedisOptions(), keyPrefix: id });
});

afterAll(async () => {
  await projector?.stop();
  // The stack's connector back to the repository's definitions and template.
  const restored = await runReadout(['sources', 'check', '--apply', '--no-wait'], {});
  if (restored.code !== 0)
    process.stderr.write(`restoring the connector failed:\n${restored.stdout}\n${restored.stderr}`);
  await db?.query(`DROP TABLE IF EXISTS ${table}; DROP TYPE IF EXISTS ${kind};`);
  await store?.quit();
  await writerDb?.end();
  await db?.end();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Inserts (some several rows at once), updates and deletes rows of the table until stopped. */
function startWriter(): { stop(): Promise<number> } {
  let stopped = false;
  let operations = 0;
  const kinds = ['small', 'medium', 'large'];
  const run = (async () => {
    for (let i = 0; !stopped; i += 1) {
      const pick = i % 10;
      if (pick < 3) {
        const rows = 1 + (i % 3);
        await writerDb.query(
          `INSERT INTO ${table} (kind, amount, doc) SELECT $1::${kind}, round((random() * 100000)::numeric, 8), '{"w": true}'
           FROM generate_series(1, $2)`,
          [kinds[i % 3], rows],
        );
      } else if (pick < 8) {
        // Random rows: some already backfilled, some not yet read, some that arrived meanwhile.
        await writerDb.query(
          `UPDATE ${table} SET amount = amount + 0.00000001 * $1, kind = $2::${kind}
           WHERE id IN (SELECT id FROM ${table} ORDER BY random() LIMIT 2)`,
          [i, kinds[(i + 1) % 3]],
        );
      } else {
        await writerDb.query(
          `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} ORDER BY random() LIMIT 1)`,
        );
      }
      operations += 1;
    }
  })();
  // A failed write ends the writer; stop() reports it.
  const ended = run.then(
    () => null,
    (error: unknown) => error,
  );
  return {
    async stop() {
      stopped = true;
      const error = await ended;
      if (error instanceof Error) throw error;
      if (error !== null) throw new Error('the writer failed');
      return operations;
    },
  };
}

/** The model as SQL computes it from the table now. */
async function oracle(): Promise<ModelView> {
  const view: ModelView = {};
  const { rows } = await db.query<{ kind: string; rows: string; amount: string; largest: string }>(
    `SELECT kind::text, count(*)::text AS rows, sum(amount)::text AS amount, max(amount)::text AS largest
     FROM ${table} GROUP BY kind`,
  );
  for (const row of rows)
    view[`- / ${JSON.stringify([row.kind])}`] = { rows: row.rows, amount: row.amount, largest: row.largest };
  return view;
}

/**
 * A marker after everything else: a row inserted, then deleted in a transaction of its own. A
 * delete waits for its transaction's END (the mass-delete guard), released in order, so the model
 * having applied the marker's delete means it applied everything before it.
 */
async function markerTxId(): Promise<bigint> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO ${table} (kind, amount) VALUES ('small', 1) RETURNING id::text`,
  );
  const { rows } = await db.query<{ txid: string }>(
    `DELETE FROM ${table} WHERE id = $1 RETURNING txid_current()::text AS txid`,
    [inserted.rows[0]?.id],
  );
  return BigInt(rows[0]?.txid ?? '0');
}

async function waitApplied(txId: bigint): Promise<void> {
  await expect
    .poll(async () => BigInt((await store.readSnapshot(model)).source.txId ?? '0') >= txId, {
      timeout: 120_000,
      interval: 250,
    })
    .toBe(true);
}

/** The backfill's reads of the table on its topic (op r, source.snapshot incremental). */
async function backfillReads(): Promise<number> {
  let reads = 0;
  await readTopic({
    brokers: (process.env.READOUT_KAFKA_BROKERS ?? '').split(','),
    clientId: `${id}-reads`,
    topic: `${process.env.READOUT_TOPIC_PREFIX ?? 'readout'}.${qualified}`,
    onValue: (text) => {
      if (text === null) return;
      const payload = (JSON.parse(text) as { payload?: { op?: string; source?: { snapshot?: string } } })
        .payload;
      if (payload?.op === 'r' && payload.source?.snapshot === 'incremental') reads += 1;
    },
    done: (caughtUp) => caughtUp,
  });
  return reads;
}

/** The projector on the test's definitions (one step: a live reload may take its place). */
function startProjector(): ReadoutProcess {
  return startReadout(`${id}-projector`, 'projector', {
    ...env,
    READOUT_CONSUMER_GROUP: id,
    READOUT_KEY_PREFIX: id,
  });
}

describe('onboarding a table that already holds rows', () => {
  it('check says what is missing; --apply fixes it and backfills every row once while changes stream', async () => {
    const check = await runReadout(['sources', 'check'], env);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`GRANT SELECT ON "public"."${table}" TO "debezium";`);
    expect(check.stdout).toContain(`ALTER PUBLICATION "readout_pub" ADD TABLE "public"."${table}";`);
    expect(check.stdout).toContain(`start capturing ${qualified}`);

    const writer = startWriter();
    const started = Date.now();
    const apply = await runReadout(['sources', 'check', '--apply'], env);
    const applySeconds = (Date.now() - started) / 1000;
    expect(apply.code, `sources check --apply:\n${apply.stdout}\n${apply.stderr.slice(-2000)}`).toBe(0);
    expect(apply.stdout).toContain(`requested a backfill of ${qualified}`);
    const scanned = /backfill of [^:]+: SUCCEEDED, (\d+) rows read/.exec(apply.stderr);
    expect(scanned).not.toBeNull();
    // Changes keep streaming a little after the backfill's end too.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const operations = await writer.stop();

    projector = startProjector();
    await waitApplied(await markerTxId());
    expect(snapshotView(model, await store.readSnapshot(model))).toEqual(await oracle());

    // Debezium counts the rows it read from the table; a read whose row changed within its
    // chunk's window is dropped (the streamed change stands for it), so the topic may hold fewer.
    const reads = await backfillReads();
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThanOrEqual(Number(scanned?.[1]));
    process.stdout.write(
      `[onboard] ${ROWS} rows before capture; --apply took ${applySeconds.toFixed(1)} s and read ${scanned?.[1]} rows ` +
        `(${reads} reads on the topic, ${Number(scanned?.[1]) - reads} dropped for a change in their window) while the writer ran ${operations} operations\n`,
    );
  });

  it('a second --apply changes nothing and backfills nothing again', async () => {
    const readsBefore = await backfillReads();
    const again = await runReadout(['sources', 'check', '--apply'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('applied:');
    expect(again.stdout).toContain('everything the definitions read is captured');
    await waitApplied(await markerTxId());
    expect(await backfillReads()).toBe(readsBefore);
    expect(snapshotView(model, await store.readSnapshot(model))).toEqual(await oracle());
  });
});
