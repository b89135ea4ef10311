/**
 * Issue 18's promise, end to end on the real stack, as a team would do it with a table of its
 * own while Readout runs: a `deliveries` table the demo does not have (uuid key, numeric of scale
 * 6, a PostgreSQL enum, a timestamptz, a jsonb) that holds rows before anything captures it; three
 * read models for it in YAML (a grouping, a time bucket, a top-N); `readout sources check --apply`
 * and `readout reload`, and nothing else: the projector and the API run throughout and keep their
 * pids. The models' generated typed query and subscription fields equal SQL's GROUP BY exactly,
 * for the rows from before and the changes written after; a graphql-codegen client generated from
 * the running API's schema type-checks and runs in Chromium; the generated dashboard shows the new
 * panels (test-artifacts/byo-dashboard.png).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { count } from '../../web/shared/format.ts';
import { freePort } from '../support/free-port.ts';
import { buildGeneratedClient } from '../support/generated-client.ts';
import { queryHttp, subscribeWs, type Subscription } from '../support/graphql-clients.ts';
import {
  runReadout,
  startReadout,
  waitForHealthy,
  waitForReady,
  type ReadoutProcess,
} from '../support/readout-process.ts';

const suffix = randomUUID().slice(0, 8).replace(/^\d/, 'x');
const id = `byo-${suffix}`;
const table = `deliveries_${suffix}`;
const region = `region_${suffix}`;
const ROWS = 2000;
/** The models' names, and their generated fields (snake_case → camelCase). */
const BY_REGION = `deliveries_by_region_${suffix}`;
const PER_DAY = `deliveries_per_day_${suffix}`;
const TOP = `heaviest_regions_${suffix}`;
const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const [byRegionField, perDayField, topField] = [BY_REGION, PER_DAY, TOP].map(camel) as [
  string,
  string,
  string,
];

let db: pg.Client;
let writerDb: pg.Client;
let dir: string;
let env: Record<string, string>;
let projector: ReadoutProcess;
let api: ReadoutProcess;
let apiUrl: string;
let browser: Browser | undefined;

interface RegionRow {
  region: string | null;
  deliveries: string;
  weightKg: string;
  meanWeightKg: string | null;
  heaviestKg: string | null;
}

const DEFINITIONS: Record<string, string> = {
  [BY_REGION]: `name: ${BY_REGION}
description: Deliveries, their weight and the heaviest per region.
source: public.${table}
dimensions:
  - { column: region, description: The region delivered to. }
measures:
  - { name: deliveries, type: count }
  - { name: weight_kg, type: sum, column: weight_kg, scale: 6 }
  - { name: mean_weight_kg, type: avg, column: weight_kg, scale: 6 }
  - { name: heaviest_kg, type: max, column: weight_kg, scale: 6 }
`,
  [PER_DAY]: `name: ${PER_DAY}
description: Deliveries per day (UTC).
source: public.${table}
dimensions:
  - name: day
    bucket: { column: delivered_at, unit: day, timeZone: UTC }
measures:
  - { name: deliveries, type: count }
  - { name: weight_kg, type: sum, column: weight_kg, scale: 6 }
retention: 400d
`,
  [TOP]: `name: ${TOP}
description: The two regions with the most weight delivered.
source: public.${table}
dimensions: [{ column: region }]
measures:
  - { name: weight_kg, type: sum, column: weight_kg, scale: 6 }
top: { by: weight_kg, limit: 2 }
`,
};

beforeAll(async () => {
  const pgUrl = process.env.READOUT_PG_URL;
  if (!pgUrl) throw new Error('READOUT_PG_URL is not set: run the e2e tests with `npm test`');
  db = new pg.Client({ connectionString: pgUrl });
  writerDb = new pg.Client({ connectionString: pgUrl });
  await Promise.all([db.connect(), writerDb.connect()]);
  await db.query(`
    CREATE TYPE ${region} AS ENUM ('north', 'south', 'east', 'west', 'islands');
    CREATE TABLE ${table} (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      region ${region},
      weight_kg numeric(18, 6) NOT NULL,
      delivered_at timestamptz NOT NULL DEFAULT now(),
      details jsonb);
    INSERT INTO ${table} (region, weight_kg, delivered_at, details)
      SELECT CASE WHEN g % 97 = 0 THEN NULL ELSE (ARRAY['north','south','east','west','islands'])[1 + g % 5]::${region} END,
             round((g * 7919 % 100003) / 7.0 + g / 1000000.0, 6),
             now() - (g % 40) * interval '1 day' - g * interval '1 second',
             jsonb_build_object('parcel', g, 'fragile', g % 2 = 0)
      FROM generate_series(1, ${ROWS}) g;`);
  dir = mkdtempSync(join(tmpdir(), 'readout-byo-'));
  cpSync(new URL('../../readmodels/', import.meta.url).pathname, dir, { recursive: true });
  env = {
    READOUT_READMODELS_DIR: dir,
    READOUT_CONSUMER_GROUP: id,
    READOUT_KEY_PREFIX: id,
    READOUT_API_PORT: String(await freePort()),
    READOUT_API_INTROSPECTION: 'on',
  };
  projector = startReadout(`${id}-projector`, 'projector', env);
  api = startReadout(`${id}-api`, 'api', env);
  apiUrl = `http://127.0.0.1:${env.READOUT_API_PORT}/graphql`;
  await waitForHealthy(apiUrl.replace('/graphql', '/healthz'));
  await waitForReady(apiUrl);
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await projector?.stop();
  // The stack's connector back to the repository's definitions (the table leaves its list).
  const restored = await runReadout(['sources', 'check', '--apply', '--no-wait'], {});
  if (restored.code !== 0)
    process.stderr.write(`restoring the connector failed:\n${restored.stdout}\n${restored.stderr}`);
  await db?.query(`DROP TABLE IF EXISTS ${table}; DROP TYPE IF EXISTS ${region};`);
  await writerDb?.end();
  await db?.end();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Inserts, updates (weights and regions, some to null) and deletes rows until stopped. */
function startWriter(): { stop(): Promise<number> } {
  let stopped = false;
  let operations = 0;
  const run = (async () => {
    for (let i = 0; !stopped; i += 1) {
      const pick = i % 10;
      if (pick < 4)
        await writerDb.query(
          `INSERT INTO ${table} (region, weight_kg, details)
           SELECT (ARRAY['north','south','east','west','islands'])[1 + (random() * 4)::int]::${region},
                  round((random() * 5000)::numeric, 6), '{"late": true}' FROM generate_series(1, $1)`,
          [1 + (i % 3)],
        );
      else if (pick < 8)
        await writerDb.query(
          `UPDATE ${table} SET weight_kg = weight_kg + 0.000001 * $1,
             region = CASE WHEN $1 % 11 = 0 THEN NULL ELSE region END
           WHERE id IN (SELECT id FROM ${table} ORDER BY random() LIMIT 2)`,
          [i],
        );
      else
        await writerDb.query(
          `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} ORDER BY random() LIMIT 1)`,
        );
      operations += 1;
    }
  })();
  const ended = run.then(
    () => null,
    (error: unknown) => error,
  );
  return {
    async stop() {
      stopped = true;
      const error = await ended;
      if (error !== null) throw error instanceof Error ? error : new Error('the writer failed');
      return operations;
    },
  };
}

/** SQL's GROUP BY for each model, in the typed fields' default order (text order; nulls last). */
async function sqlByRegion(): Promise<RegionRow[]> {
  const { rows } = await db.query<RegionRow>(
    `SELECT region::text AS region, count(*)::text AS deliveries, sum(weight_kg)::text AS "weightKg",
            round(avg(weight_kg), 6)::text AS "meanWeightKg", max(weight_kg)::text AS "heaviestKg"
     FROM ${table} GROUP BY region ORDER BY region::text COLLATE "C" NULLS LAST`,
  );
  return rows;
}

async function sqlPerDay(): Promise<Array<{ start: string; deliveries: string; weightKg: string }>> {
  const { rows } = await db.query<{ start: string; deliveries: string; weightKg: string }>(
    `SELECT to_char(date_trunc('day', delivered_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.000"Z"') AS start,
            count(*)::text AS deliveries, sum(weight_kg)::text AS "weightKg"
     FROM ${table} GROUP BY 1 ORDER BY 1`,
  );
  return rows;
}

async function sqlTop(): Promise<Array<{ rank: number; region: string | null; weightKg: string }>> {
  // Redis ranks equal sums by group text descending; the weights make a tie unlikely.
  const { rows } = await db.query<{ region: string | null; weightKg: string }>(
    `SELECT region::text AS region, sum(weight_kg)::text AS "weightKg" FROM ${table}
     GROUP BY region ORDER BY sum(weight_kg) DESC LIMIT 2`,
  );
  return rows.map((row, i) => ({ rank: i + 1, ...row }));
}

const BY_REGION_SELECTION = `${byRegionField} { rows { region deliveries weightKg meanWeightKg heaviestKg } }`;

async function typedAnswers() {
  const data = await queryHttp<Record<string, { rows: unknown[] }>>(
    apiUrl,
    `{ ${BY_REGION_SELECTION}
       ${perDayField}(limit: 1000) { rows { day { start } deliveries weightKg } }
       ${topField} { rows { rank region weightKg } } }`,
  );
  return {
    byRegion: data[byRegionField]?.rows,
    perDay: (
      data[perDayField]?.rows as Array<{ day: { start: string }; deliveries: string; weightKg: string }>
    )?.map(({ day, ...rest }) => ({ start: day.start, ...rest })),
    top: data[topField]?.rows,
  };
}

/** A change after everything else: once a model has applied it, it has applied the writer's too. */
async function marker(): Promise<bigint> {
  const { rows } = await db.query<{ txid: string }>(
    `INSERT INTO ${table} (region, weight_kg) VALUES ('islands', 1.5) RETURNING txid_current()::text AS txid`,
  );
  return BigInt(rows[0]?.txid ?? '0');
}

/** The newest source transaction a model's typed field says it includes. */
async function appliedTxId(field: string): Promise<bigint> {
  const data = await queryHttp<Record<string, { freshness: { sourceTxId: string | null } }>>(
    apiUrl,
    `{ ${field} { freshness { sourceTxId } } }`,
  ).catch(() => undefined);
  return BigInt(data?.[field]?.freshness.sourceTxId ?? '0');
}

describe('bringing a table of your own while Readout runs', () => {
  let subscription: Subscription<Record<string, { rows: RegionRow[] }>>;
  const pids: { projector: number | undefined; api: number | undefined } = {
    projector: undefined,
    api: undefined,
  };

  it('onboards it with SQL, YAML and the commands only, and serves typed fields equal to SQL', async () => {
    pids.projector = projector.pid;
    pids.api = api.pid;
    const unknown = await queryHttp(apiUrl, `{ ${byRegionField} { totalRows } }`).catch(
      (error: unknown) => error,
    );
    expect(String(unknown)).toMatch(/Cannot query field/);

    for (const [name, text] of Object.entries(DEFINITIONS)) writeFileSync(join(dir, `${name}.yaml`), text);
    const check = await runReadout(['sources', 'check'], env);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`ALTER PUBLICATION "readout_pub" ADD TABLE "public"."${table}";`);

    const writer = startWriter();
    const apply = await runReadout(['sources', 'check', '--apply'], env);
    expect(apply.code, `sources check --apply:\n${apply.stdout}\n${apply.stderr.slice(-2000)}`).toBe(0);
    const reload = await runReadout(['reload'], env);
    expect(reload.code, `reload:\n${reload.stdout}\n${reload.stderr}`).toBe(0);
    // Both running processes took the three models on.
    expect(reload.stdout).toMatch(new RegExp(`projector ${pids.projector}@.*added .*${BY_REGION}`));
    expect(reload.stdout).toMatch(new RegExp(`api ${pids.api}@.*added .*${BY_REGION}`));

    // Served once backfilled (until then: READ_MODEL_NOT_READY); changes keep coming meanwhile.
    await expect
      .poll(() => appliedTxId(byRegionField), { timeout: 120_000, interval: 500 })
      .toBeGreaterThan(0n);
    subscription = subscribeWs(apiUrl, `subscription { ${BY_REGION_SELECTION} }`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const operations = await writer.stop();
    const last = await marker();

    for (const field of [byRegionField, perDayField, topField])
      await expect
        .poll(() => appliedTxId(field), { timeout: 120_000, interval: 500 })
        .toBeGreaterThanOrEqual(last);
    const answers = await typedAnswers();
    expect(answers.byRegion).toEqual(await sqlByRegion());
    expect(answers.perDay).toEqual(await sqlPerDay());
    expect(answers.top).toEqual(await sqlTop());
    // The subscription's newest value is SQL's too.
    const final = JSON.stringify(await sqlByRegion());
    await subscription.until((value) => JSON.stringify(value[byRegionField]?.rows) === final, 30_000);
    process.stdout.write(
      `[byo] ${ROWS} rows before capture, ${operations} writer operations during the onboarding\n`,
    );

    // Nothing restarted: the processes that answered the reload (by pid, above) still run.
    for (const pid of [pids.projector, pids.api]) expect(() => process.kill(pid ?? -1, 0)).not.toThrow();
    const again = await runReadout(['reload'], env);
    expect(again.stdout).toMatch(new RegExp(`projector ${pids.projector}@.*nothing changed`));
    expect(again.stdout).toMatch(new RegExp(`api ${pids.api}@.*nothing changed`));
    await subscription.close();
  });

  it('a graphql-codegen client generated from the running API type-checks and runs in Chromium', async () => {
    const folder = new URL(`../../test-artifacts/${id}-client/`, import.meta.url).pathname;
    const client = `import { createClient } from 'graphql-ws';
import { graphql } from './gql/index.ts';
import type { ByRegionSubscription } from './gql/graphql.ts';

const ByRegion = graphql(\`subscription ByRegion { ${BY_REGION_SELECTION} }\`);
type Row = { region?: string | null; deliveries: string; weightKg: string; meanWeightKg?: string | null };

const url = new URL('/graphql', window.location.href);
url.protocol = 'ws:';
createClient({ url: url.href }).subscribe<ByRegionSubscription>(
  { query: ByRegion.toString() },
  {
    next: ({ data }) => {
      // Typed by the generated code: a field the schema does not have would not compile.
      const rows: readonly Row[] = data?.${byRegionField}.rows ?? [];
      document.body.dataset.rows = JSON.stringify(rows);
    },
    error: () => undefined,
    complete: () => undefined,
  },
);
`;
    const { script } = await buildGeneratedClient(folder, apiUrl, client);
    // A field the schema lacks fails the type check (the test of the test).
    await expect(
      buildGeneratedClient(
        `${folder.replace(/\/$/, '')}-broken/`,
        apiUrl,
        client.replace('.rows ?? []', '.rowz ?? []'),
      ),
    ).rejects.toThrow(/does not type-check/);

    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(apiUrl.replace('/graphql', '/healthz'));
    await page.addScriptTag({ content: script });
    const sql = JSON.stringify(await sqlByRegion());
    await expect.poll(() => page.evaluate('document.body.dataset.rows'), { timeout: 15_000 }).toBe(sql);
    await page.close();
  });

  it('the generated dashboard shows a panel for each new model', async () => {
    browser ??= await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.goto(apiUrl.replace('/graphql', '/dashboard/'));
    for (const name of Object.keys(DEFINITIONS))
      await page.locator(`[data-testid=model-${name}]`).waitFor({ timeout: 15_000 });
    const first = (await sqlByRegion())[0];
    await expect
      .poll(
        async () =>
          (
            await page
              .locator(`[data-testid=model-${BY_REGION}] [data-testid=row-1] [data-testid=deliveries]`)
              .textContent()
          )?.trim(),
        { timeout: 15_000 },
      )
      .toBe(count(first?.deliveries ?? '0'));
    // A ranking for the top-N model, bars for the one bucketed by day alone.
    await page.locator(`[data-testid=model-${TOP}] [data-testid=rank-1]`).waitFor({ timeout: 15_000 });
    await page.locator(`[data-testid=model-${PER_DAY}] .bar`).first().waitFor({ timeout: 15_000 });
    expect(await page.locator(`[data-testid=model-${PER_DAY}] .bar`).count()).toBe(
      (await sqlPerDay()).length,
    );
    await page.screenshot({ path: 'test-artifacts/byo-dashboard.png', fullPage: true });
    await page.close();
  });
});
