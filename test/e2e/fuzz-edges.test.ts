/**
 * Exact and isolated at the edges of real data, on the real stack. Tables of the test's own,
 * captured by a Debezium connector of their own (real traffic from SQL), and beside that traffic
 * more than 10,000 records produced straight into the same Debezium topic from a real record of
 * it: valid changes at the edges (numeric(38,18) and numeric(60,30) at full precision, groups whose
 * sums pass 2^63 and 2^127 in minor units, extremes beyond 2^53, bigint maxima) and hostile ones
 * (megabyte decimals and strings, deep nesting, wrong types, float money, missing fields,
 * invalid UTF-8, keys without values, half-formed JSON, values beyond their declared precision).
 *
 * Afterwards every read model equals its SQL oracle over the valid rows (PostgreSQL's own numeric
 * arithmetic over the captured table plus a table holding the valid produced rows), every hostile
 * record is a dead letter with its reason and nothing else is, lag is 0, `readout status` names
 * exactly the models that missed records, and no record took more than 100 ms to decode.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelDefinition } from '../../src/definitions/index.ts';
import { compileModel, type CompiledModel } from '../../src/projection/index.ts';
import { createRedisStore, deadLetterId, type ReadModelStore } from '../../src/store/index.ts';
import { freePort } from '../support/free-port.ts';
import {
  decimalBytes,
  jsonText,
  ledgerChange,
  templateOf,
  type LedgerRow,
  type Template,
} from '../support/fuzz-records.ts';
import { stackRedisOptions } from '../support/model-checks.ts';
import { runReadout, startReadout, type ReadoutProcess } from '../support/readout-process.ts';
import { stackKafka } from '../support/stream-oracle.ts';

const short = randomUUID().slice(0, 8);
const id = `fuzz-${short}`;
const prefix = `fuzz${short}`; // the connector's topic prefix
const ledger = `fuzz_ledger_${short}`;
const tally = `fuzz_tally_${short}`;
const produced = `fuzz_produced_${short}`; // the valid produced rows, for the oracle (not captured)
const ledgerTopic = `${prefix}.public.${ledger}`;
const connector = `readout-${id}`;
const connectUrl = `http://127.0.0.1:${process.env.READOUT_CONNECT_PORT ?? '18083'}/connectors`;

let db: pg.Client;
let kafka: Kafka;
let store: ReadModelStore;
let projector: ReadoutProcess | undefined;
let metricsPort = 0;
let env: Record<string, string> = {};
let models: CompiledModel[] = [];

const definitions = {
  ledger_by_account: {
    source: `public.${ledger}`,
    dimensions: [{ column: 'account' }],
    measures: [
      { name: 'entries', type: 'count' },
      { name: 'amount', type: 'sum', column: 'amount', scale: 18 },
      { name: 'mean', type: 'avg', column: 'amount', scale: 18 },
      { name: 'least', type: 'min', column: 'amount', scale: 18 },
      { name: 'most', type: 'max', column: 'amount', scale: 18 },
      { name: 'wide', type: 'sum', column: 'wide', scale: 30 },
      { name: 'units', type: 'sum', column: 'units', scale: 0 },
      { name: 'labels', type: 'distinct', column: 'label' },
    ],
  },
  ledger_top: {
    source: `public.${ledger}`,
    dimensions: [{ column: 'account' }],
    measures: [{ name: 'amount', type: 'sum', column: 'amount', scale: 18 }],
    top: { by: 'amount', limit: 5 },
  },
  ledger_bands: {
    source: `public.${ledger}`,
    dimensions: [{ name: 'band', bands: { column: 'amount', edges: ['0', '1000000'] } }],
    measures: [{ name: 'entries', type: 'count' }],
  },
  tally_by_account: {
    source: `public.${tally}`,
    dimensions: [{ column: 'account' }],
    measures: [
      { name: 'entries', type: 'count' },
      { name: 'amount', type: 'sum', column: 'amount', scale: 18 },
    ],
  },
} as const;

async function connectorCall(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${connectUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return text === '' ? null : (JSON.parse(text) as unknown);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The first record Debezium wrote to the ledger topic (its key and value, schemas included). */
async function firstRecord(): Promise<Template> {
  const consumer = kafka.consumer({ groupId: `${id}-template` });
  await consumer.connect();
  await consumer.subscribe({ topics: [ledgerTopic], fromBeginning: true });
  const template = await new Promise<Template>((resolve, reject) => {
    consumer
      .run({
        // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise
        eachMessage: async ({ message }) => {
          if (message.key && message.value) resolve(templateOf(message.key, message.value));
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return template;
}

beforeAll(async () => {
  const pgUrl = process.env.READOUT_PG_URL;
  if (!pgUrl) throw new Error('READOUT_PG_URL is not set: run the e2e tests with `npm test`');
  db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  kafka = stackKafka(id);
  await db.query(`
    CREATE TABLE ${ledger} (
      id bigint PRIMARY KEY, account text NOT NULL, amount numeric(38, 18) NOT NULL,
      wide numeric(60, 30) NOT NULL, units bigint NOT NULL, label text NOT NULL);
    CREATE TABLE ${tally} (id bigint PRIMARY KEY, account text NOT NULL, amount numeric(38, 18) NOT NULL);
    CREATE TABLE ${produced} (LIKE ${ledger});
    GRANT SELECT ON ${ledger}, ${tally} TO debezium;
    CREATE PUBLICATION ${prefix}_pub FOR TABLE ${ledger}, ${tally};`);
  // A connector of the test's own (own slot, publication and topic prefix): the shared one and
  // its topics are left as they are.
  const shared = (await connectorCall('GET', '/readout-orders/config')) as Record<string, string>;
  // No backfills here: Readout's signal table and notification topic are the shared connector's.
  delete shared['signal.data.collection'];
  await connectorCall('PUT', `/${connector}/config`, {
    ...shared,
    'notification.sink.topic.name': `${prefix}.notifications`,
    name: connector,
    'slot.name': `${prefix}_slot`,
    'publication.name': `${prefix}_pub`,
    'table.include.list': `public.${ledger},public.${tally}`,
    'topic.prefix': prefix,
    'topic.creation.default.partitions': '1',
  });
  // Rows before anything else: the first one is the template of the produced records.
  await db.query(
    `INSERT INTO ${ledger} VALUES (1, 'seed', 99999999999999999999.999999999999999999,
       999999999999999999999999999999.999999999999999999999999999999, 9223372036854775807, 'seed')`,
  );
  await db.query(`INSERT INTO ${tally} VALUES (1, 'seed', 1.5)`);
  const admin = kafka.admin();
  await admin.connect();
  await until('the ledger topic', async () =>
    (await admin.listTopics()).includes(ledgerTopic) ? true : undefined,
  );
  // Room for the megabyte records (Kafka's default is 1 MB a message).
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      { type: 2, name: ledgerTopic, configEntries: [{ name: 'max.message.bytes', value: '8388608' }] },
    ],
  });
  await admin.disconnect();

  const dir = mkdtempSync(join(tmpdir(), 'readout-fuzz-'));
  for (const [name, definition] of Object.entries(definitions))
    writeFileSync(join(dir, `${name}.yaml`), JSON.stringify({ name, ...definition }));
  writeFileSync(
    join(dir, 'sources.yaml'),
    JSON.stringify({ sources: [{ table: `public.${ledger}` }, { table: `public.${tally}` }] }),
  );
  models = Object.entries(definitions).map(([name, definition]) =>
    compileModel(readModelDefinition.parse({ name, ...definition })),
  );
  metricsPort = await freePort();
  env = {
    READOUT_CONSUMER_GROUP: id,
    READOUT_KEY_PREFIX: id,
    READOUT_TOPIC_PREFIX: prefix,
    READOUT_READMODELS_DIR: dir,
    // An API nobody starts: status reports it unreachable, which the checks below expect.
    READOUT_API_PORT: String(await freePort()),
  };
  store = createRedisStore({ ...stackRedisOptions(), keyPrefix: id });
  projector = startReadout(`${id}-projector`, 'projector', {
    ...env,
    READOUT_PROJECTOR_PORT: String(metricsPort),
  });
}, 180_000);

afterAll(async () => {
  await projector?.stop();
  await connectorCall('DELETE', `/${connector}`).catch(() => undefined);
  await until(
    'the fuzz slot to be free',
    async () => {
      const { rows } = await db.query<{ active: boolean }>(
        'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
        [`${prefix}_slot`],
      );
      return rows[0]?.active !== true ? true : undefined;
    },
    60_000,
  ).catch(() => undefined);
  await db?.query(`SELECT pg_drop_replication_slot($1)`, [`${prefix}_slot`]).catch(() => undefined);
  await db?.query(`DROP PUBLICATION IF EXISTS ${prefix}_pub`).catch(() => undefined);
  await store?.quit();
  await db?.end();
});

/** A deterministic random source (the run can be repeated from its seed). */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const digits = (max: number) => {
    const length = 1 + Math.floor(next() * max);
    let text = String(1 + Math.floor(next() * 9));
    while (text.length < length) text += String(Math.floor(next() * 10));
    return BigInt(text);
  };
  return { next, digits, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T };
}

const MAX_38 = 10n ** 38n - 1n;
const MAX_60 = 10n ** 60n - 1n;
const INT64_MAX = 2n ** 63n - 1n;
const NEAR_2_53 = 2n ** 53n;

/** The valid produced rows' changes: each row created, then updated a few times. */
function validChanges(template: Template, count: number) {
  const r = random(16);
  const rows = new Map<bigint, LedgerRow>();
  const records: Array<{ key: string; value: string }> = [];
  // Positions just after the template's: each row's changes in order, and all of them before the
  // SQL marker's (so that reaching the marker's transaction means every record was read).
  let lsn = BigInt(String(template.payload.source.lsn));
  const txId = BigInt(String(template.payload.source.txId));
  const newRow = (i: number): LedgerRow => {
    const id = 1_000_000n + BigInt(i);
    const sign = r.next() < 0.2 ? -1n : 1n;
    switch (i % 5) {
      case 0: // at the full declared precision: a group whose sum passes 2^127 in minor units
        return { id, account: 'whale', amount: MAX_38, wide: MAX_60, units: INT64_MAX, label: `w${i % 7}` };
      case 1: // extremes a double cannot tell apart
        return {
          id,
          account: 'close',
          amount: NEAR_2_53 + BigInt(i),
          wide: NEAR_2_53 * 10n ** 30n + BigInt(i),
          units: -INT64_MAX + BigInt(i),
          label: `c${i % 3}`,
        };
      default:
        return {
          id,
          account: r.pick(['a', 'b', 'c', 'd', 'e', 'f', 'g']),
          amount: sign * r.digits(38),
          wide: sign * r.digits(60),
          units: sign * r.digits(18),
          label: `l${Math.floor(r.next() * 50)}`,
        };
    }
  };
  for (let i = 0; records.length < count; i += 1) {
    const row = newRow(i);
    lsn += 1n;
    records.push(ledgerChange(template, 'c', row, { lsn, txId }));
    rows.set(row.id, row);
    if (i % 5 < 2) continue; // the edge rows keep their values
    for (let u = 0; u < 3 && records.length < count; u += 1) {
      // Within numeric(38,18) still: half the amount, plus up to 20 digits.
      const updated = {
        ...row,
        amount: row.amount / 2n + r.digits(20),
        label: `u${Math.floor(r.next() * 20)}`,
      };
      lsn += 1n;
      records.push(ledgerChange(template, 'u', updated, { lsn, txId }));
      rows.set(row.id, updated);
    }
  }
  return { rows, records };
}

/** Records that break one rule each, with what they break. */
function hostileRecords(template: Template, count: number) {
  const valid = (i: number) =>
    ledgerChange(
      template,
      'c',
      { id: 5_000_000n + BigInt(i), account: 'a', amount: 100n, wide: 100n, units: 1n, label: 'h' },
      { lsn: 1n, txId: 1n },
    );
  const withPayload = (i: number, change: (payload: Record<string, unknown>) => void, schema?: unknown) => {
    const { key, value } = valid(i);
    const parsed = JSON.parse(value) as { schema: unknown; payload: Record<string, unknown> };
    change(parsed.payload);
    return { key, value: jsonText({ schema: schema ?? parsed.schema, payload: parsed.payload }) };
  };
  const after = (payload: Record<string, unknown>) => payload.after as Record<string, unknown>;
  const kinds: Array<
    [string, (i: number) => { key: string | Buffer | null; value: string | Buffer | null }]
  > = [
    [
      'megabyte decimal',
      (i) => withPayload(i, (p) => (after(p).amount = Buffer.alloc(1_000_000, 7).toString('base64'))),
    ],
    ['megabyte string', (i) => withPayload(i, (p) => (after(p).label = 'x'.repeat(1_200_000)))],
    [
      'deep nesting',
      (i) => {
        const { key, value } = valid(i);
        const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
        return { key, value: value.replace('"after":{', `"after":{"nest":${deep},`) };
      },
    ],
    ['decimal as a JSON number', (i) => withPayload(i, (p) => (after(p).amount = 12.5))],
    ['bigint as text', (i) => withPayload(i, (p) => (after(p).units = 'many'))],
    [
      // As a converter without schemas writes decimal.handling.mode=double: the payload alone.
      // (With a schema saying double, the column would have changed type: the model stops.)
      'float money (a double amount, no schema)',
      (i) => {
        const { key, value } = valid(i);
        const parsed = JSON.parse(value) as { payload: Record<string, unknown> };
        after(parsed.payload).amount = 12.25;
        return { key, value: jsonText(parsed.payload) };
      },
    ],
    ['a missing column', (i) => withPayload(i, (p) => delete after(p).amount)],
    [
      'invalid UTF-8',
      (i) => {
        const { key, value } = valid(i);
        const at = value.indexOf('"label":"h"') + '"label":"'.length;
        const bytes = Buffer.from(value);
        return {
          key,
          value: Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28]), bytes.subarray(at)]),
        };
      },
    ],
    ['a key without a value (empty bytes)', (i) => ({ key: valid(i).key, value: Buffer.alloc(0) })],
    ['a value without a key', (i) => ({ key: null, value: valid(i).value })],
    ['half-formed JSON', (i) => ({ key: valid(i).key, value: valid(i).value.slice(0, 200 + (i % 300)) })],
    [
      'beyond the declared precision',
      (i) => withPayload(i, (p) => (after(p).amount = decimalBytes(10n ** 38n + BigInt(i)))),
    ],
    ['an unknown op', (i) => withPayload(i, (p) => (p.op = 'x'))],
    ['no source position', (i) => withPayload(i, (p) => delete (p.source as Record<string, unknown>).lsn)],
  ];
  const large = new Set(['megabyte decimal', 'megabyte string']);
  const records: Array<{ what: string; key: Buffer | null; value: Buffer | null }> = [];
  for (let i = 0; records.length < count; i += 1) {
    const [what, make] = kinds[i % kinds.length] as (typeof kinds)[number];
    if (large.has(what) && i >= 3 * kinds.length) continue; // three of each megabyte kind is enough
    const { key, value } = make(i);
    records.push({
      what,
      key: key === null ? null : Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
    });
  }
  return records;
}

/** Per group: the snapshot's numbers as text. */
async function view(model: CompiledModel): Promise<Record<string, Record<string, string>>> {
  const snapshot = await store.readSnapshot(model);
  const result: Record<string, Record<string, string>> = {};
  for (const group of snapshot.buckets[0]?.groups ?? []) {
    const entry: Record<string, string> = { rows: group.rows.toString() };
    for (const [name, value] of Object.entries(group.counters)) entry[name] = value.toString();
    for (const [name, value] of Object.entries(group.extremes)) if (value !== null) entry[name] = value;
    for (const [name, value] of Object.entries(group.distincts)) entry[name] = value.toString();
    result[String(group.group[0])] = entry;
  }
  return result;
}

/** The ledger's rows as SQL sees them: the captured table plus the valid produced rows. */
const everyLedgerRow = () => `(SELECT * FROM ${ledger} UNION ALL SELECT * FROM ${produced})`;
const units = (expression: string, scale: number) => `((${expression}) * 1e${scale})::numeric(1000, 0)::text`;

async function ledgerOracle(): Promise<Record<string, Record<string, string>>> {
  const { rows } = await db.query<Record<string, string>>(
    `SELECT account, count(*)::text AS rows, ${units('sum(amount)', 18)} AS amount,
            ${units('min(amount)', 18)} AS least, ${units('max(amount)', 18)} AS most,
            ${units('sum(wide)', 30)} AS wide, sum(units)::text AS units,
            count(DISTINCT label)::text AS labels
       FROM ${everyLedgerRow()} l GROUP BY account`,
  );
  const result: Record<string, Record<string, string>> = {};
  for (const row of rows) {
    const entry: Record<string, string> = {
      rows: row.rows ?? '',
      entries: row.rows ?? '',
      'mean.n': row.rows ?? '',
      least: row.least ?? '',
      most: row.most ?? '',
      labels: row.labels ?? '',
    };
    // A total of exactly zero is not stored, as a GROUP BY over the rows shows nothing to hold.
    for (const [name, value] of [
      ['amount', row.amount],
      ['mean.sum', row.amount],
      ['wide', row.wide],
      ['units', row.units],
    ] as const)
      if (value !== '0') entry[name] = value ?? '';
    result[row.account ?? ''] = entry;
  }
  return result;
}

describe('exact and isolated at the edges of real data (fuzz on the real stack)', () => {
  it('applies every valid record exactly and sets aside every hostile one with its reason', async () => {
    const template = await firstRecord();
    // Real traffic: SQL changes at the edges, captured by Debezium while the records are produced.
    const traffic = (async () => {
      for (let i = 2; i < 200; i += 1) {
        await db.query(`INSERT INTO ${ledger} VALUES ($1, $2, $3, $4, $5, $6)`, [
          i,
          `sql${i % 4}`,
          `${i % 2 ? '-' : ''}12345678901234567890.${String(i).padStart(18, '0')}`,
          `${'9'.repeat(30)}.${String(i).padStart(30, '0')}`,
          String(INT64_MAX - BigInt(i)),
          `s${i % 9}`,
        ]);
        if (i % 3 === 0) await db.query(`UPDATE ${ledger} SET amount = amount / 3 WHERE id = $1`, [i - 1]);
        if (i % 10 === 0) await db.query(`DELETE FROM ${ledger} WHERE id = $1`, [i - 5]);
        await db.query(`INSERT INTO ${tally} VALUES ($1, $2, $3)`, [
          i,
          `t${i % 3}`,
          `${i}.000000000000000001`,
        ]);
      }
    })();
    const valid = validChanges(template, 8_000);
    const hostile = hostileRecords(template, 2_500);
    const producer = kafka.producer();
    await producer.connect();
    // Interleaved, in slices: valid and hostile records side by side in the partition.
    const hostileOffsets = new Map<string, string>();
    for (let v = 0, h = 0; v < valid.records.length || h < hostile.length;) {
      const validSlice = valid.records.slice(v, v + 200);
      const hostileSlice = hostile.slice(h, h + 60);
      v += validSlice.length;
      h += hostileSlice.length;
      if (validSlice.length > 0)
        await producer.send({
          topic: ledgerTopic,
          messages: validSlice.map((r) => ({ ...r, partition: 0 })),
        });
      for (const record of hostileSlice) {
        const [sent] = await producer.send({
          topic: ledgerTopic,
          messages: [{ key: record.key, value: record.value, partition: 0 }],
        });
        hostileOffsets.set(`${ledgerTopic}/0/${sent?.baseOffset ?? '?'}`, record.what);
      }
    }
    await producer.disconnect();
    await traffic;
    expect(valid.records.length + hostile.length).toBeGreaterThanOrEqual(10_000);
    for (const row of valid.rows.values())
      await db.query(`INSERT INTO ${produced} VALUES ($1, $2, $3 * 1e-18, $4 * 1e-30, $5, $6)`, [
        row.id.toString(),
        row.account,
        row.amount.toString(),
        row.wide.toString(),
        row.units.toString(),
        row.label,
      ]);

    // Caught up: a last SQL change of each table applied, and nothing left in the partitions.
    const { rows: marks } = await db.query<{ txid: string }>(
      `INSERT INTO ${ledger} VALUES (99999, 'marker', 0, 0, 0, 'm') RETURNING txid_current()::text AS txid`,
    );
    await db.query(`INSERT INTO ${tally} VALUES (99999, 'marker', 0)`);
    const marker = BigInt(marks[0]?.txid ?? '0');
    const ledgerModels = models.filter((model) => model.table === `public.${ledger}`);
    for (const model of ledgerModels)
      await until(
        `${model.name} to apply the marker`,
        async () => {
          const applied = (await store.readSnapshot(model)).source.txId;
          return applied !== null && BigInt(applied) >= marker ? true : undefined;
        },
        300_000,
      );

    // Every read model equals its oracle over the valid rows.
    const byName = new Map(models.map((model) => [model.name, model]));
    const account = byName.get('ledger_by_account') as CompiledModel;
    expect(await view(account)).toEqual(await ledgerOracle());
    const whale = (await view(account)).whale;
    expect(BigInt(whale?.amount ?? '0') > 2n ** 127n && BigInt(whale?.units ?? '0') > 2n ** 63n).toBe(true);

    const { rows: top } = await db.query<{ total: string }>(
      `SELECT ${units('sum(amount)', 18)} AS total FROM ${everyLedgerRow()} l GROUP BY account ORDER BY sum(amount) DESC LIMIT 5`,
    );
    const ranked = byName.get('ledger_top') as CompiledModel;
    const ranking = (await store.readSnapshot(ranked)).buckets[0]?.ranking ?? [];
    const topView = await view(ranked);
    expect(ranking.map((group) => topView[String(group[0])]?.amount)).toEqual(top.map((row) => row.total));

    const { rows: bands } = await db.query<{ band: string; rows: string }>(
      `SELECT CASE WHEN amount < 0 THEN '<0' WHEN amount < 1000000 THEN '0..1000000' ELSE '>=1000000' END AS band,
              count(*)::text AS rows FROM ${everyLedgerRow()} l GROUP BY 1`,
    );
    const bandView = await view(byName.get('ledger_bands') as CompiledModel);
    expect(Object.fromEntries(Object.entries(bandView).map(([band, entry]) => [band, entry.rows]))).toEqual(
      Object.fromEntries(bands.map((row) => [row.band, row.rows])),
    );

    const tallyModel = byName.get('tally_by_account') as CompiledModel;
    await until('the tally marker', async () => ((await view(tallyModel)).marker ? true : undefined));
    const { rows: tallies } = await db.query<{ account: string; rows: string; amount: string }>(
      `SELECT account, count(*)::text AS rows, ${units('sum(amount)', 18)} AS amount FROM ${tally} GROUP BY account`,
    );
    const tallyView = await view(tallyModel);
    expect(tallyView).toEqual(
      Object.fromEntries(
        tallies.map((row) => [
          row.account,
          { rows: row.rows, entries: row.rows, ...(row.amount === '0' ? {} : { amount: row.amount }) },
        ]),
      ),
    );

    // Every hostile record is a dead letter with its reason, and nothing else is.
    const letters = await store.listDeadLetters();
    const lettered = new Map(letters.map((letter) => [deadLetterId(letter), letter]));
    const missing = [...hostileOffsets].filter(([at]) => !lettered.has(at));
    expect(missing.slice(0, 5)).toEqual([]);
    expect([...lettered.keys()].filter((at) => !hostileOffsets.has(at))).toEqual([]);
    // Each with the reason its kind calls for.
    const reasonOf: Record<string, RegExp> = {
      'megabyte decimal': /after\.amount: a decimal of 1000000 bytes, more than the 1000 digits allowed/,
      'megabyte string': /after\.label: a string of 1200000 bytes, more than the 1048576 allowed/,
      'deep nesting': /after\.nest(\[0\])+: nested deeper than the 64 levels allowed/,
      'decimal as a JSON number': /after\.amount: expected base64 bytes/,
      'bigint as text': /after\.units: expected an integer \(int64\), got "many"/,
      'float money (a double amount, no schema)': /ledger_by_account: amount arrived as a float/,
      'a missing column': /ledger_by_account: column amount is missing from the event/,
      'invalid UTF-8': /the value is not valid UTF-8/,
      'a key without a value (empty bytes)': /the value is not valid JSON/,
      'a value without a key': /a row event without a key/,
      'half-formed JSON': /the value is not valid JSON/,
      'beyond the declared precision': /has 39 digits, more than numeric\(38,18\) allows/,
      'an unknown op': /unknown op "x"/,
      'no source position': /source\.lsn is missing/,
    };
    const wrong = [...hostileOffsets].filter(
      ([at, what]) => !reasonOf[what]?.test(lettered.get(at)?.reason ?? ''),
    );
    expect(wrong.slice(0, 5).map(([at, what]) => [what, lettered.get(at)?.reason])).toEqual([]);

    // Lag back to 0 (the transaction topic's last ENDs may still be on their way), and status
    // names exactly the models that missed records.
    interface Report {
      consumer: Array<{ topic: string; lag: string }>;
      readModels: Array<{ name: string; missedRecords: number; stopped: unknown }>;
      trouble: string[];
    }
    const { status, report } = await until(
      'lag 0 in readout status',
      async () => {
        const status = await runReadout(['status', '--json'], env);
        const report = JSON.parse(status.stdout) as Report;
        return report.consumer.every((p) => p.lag === '0') ? { status, report } : undefined;
      },
      60_000,
    );
    expect(status.code).toBe(1);
    const incomplete = report.readModels
      .filter((m) => m.missedRecords > 0)
      .map((m) => m.name)
      .sort();
    expect(incomplete).toEqual(ledgerModels.map((m) => m.name).sort());
    for (const model of report.readModels)
      if (model.missedRecords > 0) expect(model.missedRecords).toBe(hostileOffsets.size);
    expect(report.trouble.filter((line) => line.includes('incomplete')).length).toBe(ledgerModels.length);
    expect(report.readModels.every((m) => m.stopped === null)).toBe(true);

    // The slowest decode is measured and exported (its bound is bench/decode-large-values.ts's to
    // show: a time asserted here would fail on a loaded machine, not on slow code).
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const slowest = Number(/^readout_decode_slowest_seconds (\S+)$/m.exec(metrics)?.[1] ?? NaN);
    expect(slowest).toBeGreaterThan(0);
    expect(metrics).toMatch(
      new RegExp(`readout_read_model_missed_records\\{model="ledger_top"\\} ${hostileOffsets.size}`),
    );
  });
});
