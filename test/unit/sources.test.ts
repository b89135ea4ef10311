import { readFileSync } from 'node:fs';
import { parse } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import {
  backfillSignalId,
  backfillSignalSql,
  backfillStates,
  captureNames,
  checkSource,
  desiredConnectorConfig,
  parseConnectorTemplate,
  parseNotification,
  planConnector,
  succeeded,
  worthRetrying,
  tableName,
  tableOfSignal,
  type SourceFacts,
  type TableFacts,
} from '../../src/sources/index.ts';
import { tablePattern } from '../../src/sources/table-name.ts';

const templateText = readFileSync(
  new URL('../../stack/connector/readout-connector.json', import.meta.url),
  'utf8',
);
const template = parseConnectorTemplate('readout-connector.json', templateText);
const names = captureNames(template, 'public.readout_signal');

function table(qualified: string, overrides: Partial<TableFacts> = {}): TableFacts {
  return {
    name: tableName(qualified),
    kind: 'r',
    primaryKey: ['id'],
    replicaIdentity: 'd',
    columns: ['id', 'type', 'data'],
    published: true,
    publishedPartly: false,
    schemaUsage: true,
    canSelect: true,
    canInsert: true,
    canDelete: true,
    ...overrides,
  };
}

function facts(tables: TableFacts[], overrides: Partial<SourceFacts> = {}): SourceFacts {
  return {
    walLevel: 'logical',
    maxReplicationSlots: 10,
    maxWalSenders: 10,
    role: { login: true, replication: true },
    publication: { allTables: false, insert: true, update: true, delete: true, truncate: true },
    slot: null,
    tables,
    signal: table('public.readout_signal'),
    ...overrides,
  };
}

const fixesOf = (checks: ReturnType<typeof checkSource>) =>
  checks.filter((c) => !c.ok && c.automatic).flatMap((c) => c.sql);

describe('the connector template and the configuration the definitions make', () => {
  it('the repository’s template: no table list, the capture’s names', () => {
    expect(template.config['table.include.list']).toBeUndefined();
    expect(names).toMatchObject({ role: 'debezium', publication: 'readout_pub', slot: 'readout_orders' });
  });

  it('refuses a template that sets what Readout derives, or names the role through ${env:…}', () => {
    const document = JSON.parse(templateText) as { name: string; config: Record<string, string> };
    const withList = JSON.stringify({
      ...document,
      config: { ...document.config, 'table.include.list': 'public.x' },
    });
    expect(() => parseConnectorTemplate('t.json', withList)).toThrow(
      /table.include.list: Readout derives it/,
    );
    const withEnv = JSON.stringify({
      ...document,
      config: { ...document.config, 'database.user': '${env:USER}' },
    });
    expect(() => parseConnectorTemplate('t.json', withEnv)).toThrow(/database.user: expected a plain value/);
    // Without Debezium's notifications, --apply would wait for a backfill's end for ever.
    const silent: Record<string, string> = { ...document.config };
    delete silent['notification.enabled.channels'];
    expect(() => parseConnectorTemplate('t.json', JSON.stringify({ ...document, config: silent }))).toThrow(
      /notification.enabled.channels: expected it to include "sink"/,
    );
  });

  it('lists the tables sorted, once, as anchored patterns, with the signal table and notification topic', () => {
    const config = desiredConnectorConfig(
      template,
      ['public.orders', 'app.Line_items', 'public.orders'].map(tableName),
      {
        signalTable: tableName('public.readout_signal'),
        topicPrefix: 'acme',
      },
    );
    expect(config['table.include.list']).toBe('app\\.Line_items,public\\.orders');
    expect(config['signal.data.collection']).toBe('public.readout_signal');
    expect(config['notification.sink.topic.name']).toBe('acme.notifications');
    expect(config['slot.name']).toBe('readout_orders');
  });

  it('plans: create; tables added and removed (a hand-kept unescaped list reads the same); nothing to do', () => {
    const desired = desiredConnectorConfig(template, ['public.orders', 'public.t'].map(tableName), {
      signalTable: tableName('public.readout_signal'),
      topicPrefix: 'readout',
    });
    expect(planConnector(null, desired)).toMatchObject({
      create: true,
      added: ['public.orders', 'public.t'],
    });
    const old = { ...desired, name: 'readout-orders', 'table.include.list': 'public.orders,public.gone' };
    expect(planConnector(old, desired)).toEqual({
      create: false,
      changedKeys: ['table.include.list'],
      added: ['public.t'],
      removed: ['public.gone'],
    });
    expect(planConnector({ ...desired, name: 'readout-orders' }, desired)).toEqual({
      create: false,
      changedKeys: [],
      added: [],
      removed: [],
    });
  });

  it('escapes what a regular expression would read otherwise', () => {
    expect(tablePattern(tableName('public.a_b'))).toBe('public\\.a_b');
    expect(tablePattern(tableName('s.t$x'))).toBe('s\\.t\\$x');
  });
});

describe('the source database’s checks', () => {
  it('all hold: nothing to run', () => {
    const checks = checkSource(facts([table('public.t')]), names);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('a table with rows but no grant, outside the publication, identity NOTHING: the SQL, identity before ADD TABLE', () => {
    const checks = checkSource(
      facts([table('public.t', { canSelect: false, published: false, replicaIdentity: 'n' })]),
      names,
    );
    expect(fixesOf(checks)).toEqual([
      'ALTER TABLE "public"."t" REPLICA IDENTITY DEFAULT;',
      'GRANT SELECT ON "public"."t" TO "debezium";',
      'ALTER PUBLICATION "readout_pub" ADD TABLE "public"."t";',
    ]);
  });

  it('no primary key: printed for a person, and the table is not published by --apply (its updates would fail)', () => {
    const checks = checkSource(facts([table('public.t', { primaryKey: [], published: false })]), names);
    const manual = checks.filter((c) => !c.ok && !c.automatic);
    expect(manual.map((c) => c.id)).toEqual([
      'table:public.t:primary-key',
      'table:public.t:replica-identity',
      'table:public.t:published',
    ]);
    expect(fixesOf(checks)).toEqual([]);
    expect(manual[0]?.sql[0]).toMatch(/^ALTER TABLE "public"."t" ADD PRIMARY KEY/);
  });

  it('wal_level and a missing table: only words and SQL for a person', () => {
    const checks = checkSource(facts([table('public.t', { kind: null })], { walLevel: 'replica' }), names);
    expect(checks.filter((c) => !c.ok).map((c) => [c.id, c.automatic])).toEqual([
      ['wal_level', false],
      ['table:public.t:exists', false],
    ]);
  });

  it('no signal table, no publication: created, in an order that runs', () => {
    const checks = checkSource(
      facts([table('public.t', { published: false })], {
        publication: null,
        signal: table('public.readout_signal', { kind: null, columns: [], published: false }),
      }),
      names,
    );
    expect(fixesOf(checks)).toEqual([
      `CREATE PUBLICATION "readout_pub" WITH (publish = 'insert, update, delete, truncate');`,
      'ALTER PUBLICATION "readout_pub" ADD TABLE "public"."t";',
      'CREATE TABLE "public"."readout_signal" (id varchar(255) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048));',
      'GRANT SELECT, INSERT, DELETE ON "public"."readout_signal" TO "debezium";',
      'ALTER PUBLICATION "readout_pub" ADD TABLE "public"."readout_signal";',
    ]);
  });

  it('the signal table needs INSERT and DELETE for Debezium’s watermarks; schema usage is said once', () => {
    const checks = checkSource(
      facts([table('public.a'), table('public.b')], {
        signal: table('public.readout_signal', { canDelete: false }),
      }),
      names,
    );
    expect(fixesOf(checks)).toEqual([
      'GRANT SELECT, INSERT, DELETE ON "public"."readout_signal" TO "debezium";',
    ]);
    expect(checks.filter((c) => c.id.endsWith(':schema-usage'))).toHaveLength(1);
  });
});

describe('backfill signals and notifications', () => {
  const notification = (file: string) => {
    const { value } = parse(
      readFileSync(new URL(`../fixtures/captured/${file}.json`, import.meta.url), 'utf8'),
    ) as { value: unknown };
    return parseNotification(JSON.stringify(value));
  };

  it('the signal names the table as an anchored pattern', () => {
    const id = backfillSignalId(tableName('public.t'), 42);
    expect(id).toBe('readout-backfill:public.t:42');
    expect(tableOfSignal(id)).toBe('public.t');
    expect(tableOfSignal('6f1c-open')).toBeNull();
    expect(backfillSignalSql(tableName('public.readout_signal'), id, tableName('public.t')).values).toEqual([
      id,
      '{"data-collections":["public\\\\.t"],"type":"incremental"}',
    ]);
  });

  it('reads captured notifications to the backfill’s end', () => {
    const started = notification('backfill-notification-started');
    const progress = notification('backfill-notification-in-progress');
    const completed = notification('backfill-notification-table-scan-completed');
    expect(started).toMatchObject({ type: 'STARTED', aggregateType: 'Incremental Snapshot' });
    if (!started || !progress || !completed) throw new Error('unreadable notification');
    const id = started.id;
    expect(tableOfSignal(id)).toBe('public.fixture_backfill');
    expect(backfillStates([id], [started]).get(id)).toEqual({
      phase: 'running',
      lastKey: null,
      maximumKey: null,
    });
    expect(backfillStates([id], [started, progress]).get(id)).toMatchObject({
      phase: 'running',
      maximumKey: '21',
    });
    const done = backfillStates([id], [started, progress, completed]).get(id);
    expect(done).toEqual({ phase: 'done', status: 'SUCCEEDED', rows: 20 });
    expect(done && succeeded(done)).toBe(true);
    expect(done && worthRetrying(done)).toBe(false);
    // Debezium's answer when its task read the signal before it knew the table: asked for again.
    const unknown = {
      ...completed,
      data: { ...completed.data, status: 'UNKNOWN_SCHEMA', total_rows_scanned: '0' },
    };
    const early = backfillStates([id], [started, unknown]).get(id);
    expect(early).toEqual({ phase: 'done', status: 'UNKNOWN_SCHEMA', rows: 0 });
    expect(early && [succeeded(early), worthRetrying(early)]).toEqual([false, true]);
    expect(backfillStates(['other'], [completed]).get('other')).toEqual({ phase: 'waiting' });
    expect(parseNotification('not json')).toBeNull();
  });
});
