import type { CaptureNames, SourceFacts, TableFacts } from './source-facts.ts';
import { quoteIdent, sqlTable, type TableName } from './table-name.ts';

/**
 * One thing the capture needs, whether it holds, and what would make it hold: SQL that
 * `--apply` runs (`automatic`), or SQL (or words) a person must run or decide on. The order of
 * the checks is the order their SQL must run in (a replica identity before ADD TABLE, the signal
 * table before its GRANT).
 */
export interface SourceCheck {
  /** Stable, for --json: `wal_level`, `table:public.t:primary-key`, … */
  readonly id: string;
  readonly ok: boolean;
  /** What holds, or what is missing. */
  readonly detail: string;
  /** Statements that make it hold (empty when ok or when there is no SQL for it). */
  readonly sql: readonly string[];
  /** `--apply` runs `sql`; false: it is printed for a person (a restart, a lock, a choice). */
  readonly automatic: boolean;
}

/** The signal table Debezium expects: id, type, data, in that order (docs: "signalling"). */
export const SIGNAL_COLUMNS = ['id', 'type', 'data'] as const;

function check(
  id: string,
  ok: boolean,
  detail: string,
  sql: readonly string[] = [],
  automatic = true,
): SourceCheck {
  return { id, ok, detail, sql: ok ? [] : sql, automatic: ok || automatic };
}

function publicationChecks(facts: SourceFacts, names: CaptureNames): SourceCheck[] {
  const pub = quoteIdent(names.publication);
  const publication = facts.publication;
  if (publication === null)
    return [
      check('publication', false, `publication ${names.publication} does not exist`, [
        `CREATE PUBLICATION ${pub} WITH (publish = 'insert, update, delete, truncate');`,
      ]),
    ];
  const missing = (['insert', 'update', 'delete', 'truncate'] as const).filter((op) => !publication[op]);
  return [
    check(
      'publication',
      missing.length === 0,
      missing.length === 0
        ? `publication ${names.publication} publishes inserts, updates, deletes and truncates`
        : `publication ${names.publication} does not publish ${missing.join(', ')}`,
      [`ALTER PUBLICATION ${pub} SET (publish = 'insert, update, delete, truncate');`],
    ),
  ];
}

/** What every captured table needs: to exist, a primary key, an identity, grants, the publication. */
function tableChecks(
  facts: TableFacts,
  names: CaptureNames,
  needs: { readonly insertDelete: boolean },
): SourceCheck[] {
  const { name } = facts;
  const id = (what: string) => `table:${name.qualified}:${what}`;
  const table = sqlTable(name);
  const role = quoteIdent(names.role);
  if (facts.kind === null) return [check(id('exists'), false, `${name.qualified} does not exist`, [], false)];
  if (facts.kind !== 'r')
    return [
      check(
        id('exists'),
        false,
        `${name.qualified} is not a plain table (relkind '${facts.kind}'): Readout captures plain tables only`,
        [],
        false,
      ),
    ];
  const hasKey = facts.primaryKey.length > 0;
  const identityUsable =
    facts.replicaIdentity === 'f' ||
    facts.replicaIdentity === 'i' ||
    (facts.replicaIdentity === 'd' && hasKey);
  const checks = [
    check(
      id('primary-key'),
      hasKey,
      hasKey
        ? `${name.qualified} has a primary key (${facts.primaryKey.join(', ')})`
        : `${name.qualified} has no primary key: Debezium keys its events, backfills it in key order and Readout remembers each row by it`,
      [`ALTER TABLE ${table} ADD PRIMARY KEY (<its key columns>);  -- takes a lock; fails on duplicates`],
      false,
    ),
    // Without a usable replica identity (NOTHING, or DEFAULT without a primary key) PostgreSQL
    // refuses UPDATE and DELETE on a table once it is published: the source would break.
    check(
      id('replica-identity'),
      identityUsable,
      identityUsable
        ? `${name.qualified}'s replica identity is ${{ d: 'DEFAULT (its primary key)', f: 'FULL', i: 'an index' }[facts.replicaIdentity ?? 'd'] ?? facts.replicaIdentity}`
        : `${name.qualified} has no usable replica identity (${facts.replicaIdentity === 'n' ? 'NOTHING' : 'DEFAULT without a primary key'}): once published, its updates and deletes would fail`,
      hasKey ? [`ALTER TABLE ${table} REPLICA IDENTITY DEFAULT;`] : [],
      hasKey,
    ),
    check(
      id('schema-usage'),
      facts.schemaUsage,
      facts.schemaUsage
        ? `${names.role} may use schema ${name.schema}`
        : `${names.role} may not use schema ${name.schema}`,
      [`GRANT USAGE ON SCHEMA ${quoteIdent(name.schema)} TO ${role};`],
    ),
  ];
  const privileges = needs.insertDelete ? ['SELECT', 'INSERT', 'DELETE'] : ['SELECT'];
  const granted = facts.canSelect && (!needs.insertDelete || (facts.canInsert && facts.canDelete));
  checks.push(
    check(
      id('privileges'),
      granted,
      `${names.role} ${granted ? 'may' : 'may not'} ${privileges.join(', ')} ${name.qualified}`,
      [`GRANT ${privileges.join(', ')} ON ${table} TO ${role};`],
    ),
    check(
      id('published'),
      facts.published,
      facts.published
        ? `${name.qualified} is in publication ${names.publication}`
        : `${name.qualified} is not in publication ${names.publication}: its changes never reach Debezium`,
      [`ALTER PUBLICATION ${quoteIdent(names.publication)} ADD TABLE ${table};`],
      // Only once an identity holds (--apply sets DEFAULT first when there is a key).
      hasKey || identityUsable,
    ),
  );
  if (facts.published && facts.publishedPartly)
    checks.push(
      check(
        id('published-whole'),
        false,
        `publication ${names.publication} sends only some rows or columns of ${name.qualified}`,
        [
          `ALTER PUBLICATION ${quoteIdent(names.publication)} DROP TABLE ${table};`,
          `ALTER PUBLICATION ${quoteIdent(names.publication)} ADD TABLE ${table};`,
        ],
        false,
      ),
    );
  return checks;
}

/** Readout's own signal table: created when missing, with the columns Debezium reads. */
export function createSignalTableSql(signal: TableName, role: string): string[] {
  return [
    `CREATE TABLE ${sqlTable(signal)} (id varchar(255) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048));`,
    `GRANT SELECT, INSERT, DELETE ON ${sqlTable(signal)} TO ${quoteIdent(role)};`,
  ];
}

function signalChecks(facts: SourceFacts, names: CaptureNames): SourceCheck[] {
  const signal = facts.signal;
  const id = (what: string) => `signal:${names.signal.qualified}:${what}`;
  if (signal.kind === null)
    return [
      check(
        id('exists'),
        false,
        `signal table ${names.signal.qualified} does not exist (Debezium takes backfill requests from it)`,
        [
          ...(signal.schemaUsage
            ? []
            : [`GRANT USAGE ON SCHEMA ${quoteIdent(names.signal.schema)} TO ${quoteIdent(names.role)};`]),
          ...createSignalTableSql(names.signal, names.role),
          // FOR ALL TABLES publishes it already (and refuses ADD TABLE).
          ...(facts.publication?.allTables
            ? []
            : [`ALTER PUBLICATION ${quoteIdent(names.publication)} ADD TABLE ${sqlTable(names.signal)};`]),
        ],
      ),
    ];
  const shaped = SIGNAL_COLUMNS.every((column, i) => signal.columns[i] === column);
  return [
    check(
      id('columns'),
      shaped,
      shaped
        ? `signal table ${names.signal.qualified} has the columns id, type, data`
        : `signal table ${names.signal.qualified} has the columns (${signal.columns.join(', ')}): Debezium needs id, type, data first, in that order`,
      [],
      false,
    ),
    ...tableChecks(signal, names, { insertDelete: true }).map((c) => ({
      ...c,
      id: c.id.replace(/^table:/, 'signal:'),
    })),
  ];
}

/**
 * Every check of the source database for these tables, in the order their fixes must run.
 * Pure: facts in, verdicts and SQL out.
 */
export function checkSource(facts: SourceFacts, names: CaptureNames): SourceCheck[] {
  const role = quoteIdent(names.role);
  const checks: SourceCheck[] = [
    check(
      'wal_level',
      facts.walLevel === 'logical',
      `wal_level is ${facts.walLevel}${facts.walLevel === 'logical' ? '' : ': logical decoding needs logical'}`,
      ['ALTER SYSTEM SET wal_level = logical;  -- then restart PostgreSQL'],
      false,
    ),
    check(
      'replication-capacity',
      facts.maxReplicationSlots > 0 && facts.maxWalSenders > 0,
      `max_replication_slots is ${facts.maxReplicationSlots}, max_wal_senders ${facts.maxWalSenders}`,
      [
        'ALTER SYSTEM SET max_replication_slots = 10;',
        'ALTER SYSTEM SET max_wal_senders = 10;  -- then restart PostgreSQL',
      ],
      false,
    ),
    facts.role === null
      ? check(
          'role',
          false,
          `role ${names.role} (the connector's database.user) does not exist`,
          [`CREATE ROLE ${role} LOGIN REPLICATION PASSWORD '<the connector's database.password>';`],
          false,
        )
      : check(
          'role',
          facts.role.login && facts.role.replication,
          `role ${names.role} ${facts.role.login ? 'can' : 'cannot'} log in and ${facts.role.replication ? 'has' : 'lacks'} REPLICATION`,
          [`ALTER ROLE ${role} LOGIN REPLICATION;`],
        ),
    ...publicationChecks(facts, names),
  ];
  if (facts.slot !== null)
    checks.push(
      check(
        'slot',
        facts.slot.walStatus !== 'lost',
        facts.slot.walStatus === 'lost'
          ? `replication slot ${names.slot} lost WAL it still needed: the capture missed changes (drop the slot and the connector's offsets, and let it snapshot again)`
          : `replication slot ${names.slot} is ${facts.slot.active ? 'active' : 'inactive'}${facts.slot.walStatus ? ` (WAL ${facts.slot.walStatus})` : ''}`,
        [],
        false,
      ),
    );
  for (const table of facts.tables) checks.push(...tableChecks(table, names, { insertDelete: false }));
  checks.push(...signalChecks(facts, names));
  // Schema usage is asked per table but holds per schema: said once.
  const seen = new Set<string>();
  return checks.filter((c) => !c.id.endsWith(':schema-usage') || (!seen.has(c.detail) && seen.add(c.detail)));
}
