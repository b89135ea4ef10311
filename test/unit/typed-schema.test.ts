import { assertObjectType, execute, parse, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { ApiContext } from '../../src/api/index.ts';
import { buildSchema } from '../../src/api/schema.ts';
import { typedSdl } from '../../src/api/typed/typed-sdl.ts';
import { readModelDefinition, type ReadModelDefinition } from '../../src/definitions/index.ts';
import { bucketOf, compileModel, type CompiledModel } from '../../src/projection/index.ts';
import { emptySnapshot, type GroupState, type ModelSnapshot } from '../../src/store/index.ts';

/** A table the demo does not have: support tickets, with every kind of dimension and measure. */
const tickets = readModelDefinition.parse({
  name: 'ticket_load',
  description: 'Open tickets per queue and hour.',
  source: 'support.tickets',
  dimensions: [
    { name: 'opened_hour', bucket: { column: 'opened_at', unit: 'hour', timeZone: 'Asia/Kolkata' } },
    { column: 'queue', description: 'The queue the ticket waits in.' },
    { name: 'effort_band', bands: { column: 'effort', edges: ['0.5', '2'] } },
  ],
  measures: [
    { name: 'tickets', type: 'count' },
    { name: 'effort_total', type: 'sum', column: 'effort', scale: 6, description: 'Hours of effort.' },
    { name: 'mean_effort', type: 'avg', column: 'effort', scale: 6 },
    { name: 'customers', type: 'distinct', column: 'customer_id' },
  ],
});
const ranked = readModelDefinition.parse({
  name: 'top_accounts',
  source: 'billing.invoices',
  dimensions: [{ column: 'account' }],
  measures: [{ name: 'billed', type: 'sum', column: 'total', scale: 2 }],
  top: { by: 'billed', limit: 3 },
});
const total = readModelDefinition.parse({
  name: 'backlog',
  source: 'support.tickets',
  measures: [
    { name: 'open_tickets', type: 'count' },
    { name: 'oldest', type: 'min', column: 'age', scale: 0 },
  ],
});

function group(values: Array<string | null>, counters: Record<string, bigint>, distinct = 0n): GroupState {
  return {
    group: values,
    rows: counters.tickets ?? 1n,
    counters,
    extremes: {},
    distincts: { customers: distinct },
  };
}

function snapshot(model: string, buckets: ModelSnapshot['buckets']): ModelSnapshot {
  return { ...emptySnapshot(model), version: 7n, buckets };
}

function contextFor(models: CompiledModel[], snapshots: Map<string, ModelSnapshot>): ApiContext {
  return {
    models: new Map(models.map((model) => [model.name, model])),
    live: { current: (name: string) => Promise.resolve(snapshots.get(name) ?? emptySnapshot(name)) },
    now: () => Date.parse('2026-12-07T10:00:00Z'),
  } as unknown as ApiContext;
}

async function run(schema: GraphQLSchema, context: ApiContext, query: string) {
  const result = await execute({ schema, document: parse(query), contextValue: context });
  return JSON.parse(JSON.stringify(result)) as {
    data?: Record<string, unknown>;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}

describe('the typed schema generated from read-model definitions', () => {
  const definitions: ReadModelDefinition[] = [tickets, ranked, total];
  const schema = buildSchema(definitions);

  it('gives each model a Query and a Subscription field with typed rows and its descriptions', () => {
    const sdl = typedSdl(definitions);
    expect(schema.getQueryType()?.getFields().ticketLoad?.type.toString()).toBe('TicketLoad!');
    expect(
      schema
        .getSubscriptionType()
        ?.getFields()
        .ticketLoad?.args.map((a) => a.name),
    ).toEqual(['where', 'from', 'to', 'granularity', 'timeZone', 'orderBy', 'limit']);
    const fields = assertObjectType(schema.getType('TicketLoadRow')).getFields();
    expect(
      Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.type.toString()])),
    ).toEqual({
      openedHour: 'TimeBucket!',
      queue: 'String',
      effortBand: 'String',
      tickets: 'BigInt!',
      effortTotal: 'Decimal!',
      meanEffort: 'Decimal',
      customers: 'BigInt!',
    });
    expect(fields.queue?.description).toBe('The queue the ticket waits in.');
    expect(fields.effortTotal?.description).toBe('Hours of effort.');
    expect(schema.getType('TicketLoad')?.description).toContain('Open tickets per queue and hour.');
    // Only a top-N model ranks; a model without dimensions has nothing to filter.
    expect(sdl).toContain('type TopAccountsRow {');
    expect(Object.keys((schema.getType('TopAccountsRow') as { getFields(): object }).getFields())).toContain(
      'rank',
    );
    expect(schema.getType('BacklogWhere')).toBeUndefined();
    expect(
      schema
        .getQueryType()
        ?.getFields()
        .topAccounts?.args.find((a) => a.name === 'limit')?.defaultValue,
    ).toBe(3);
  });

  it('changes with the definitions and is stable in their order', () => {
    expect(typedSdl([total, ranked, tickets])).toBe(typedSdl(definitions));
    const renamed = readModelDefinition.parse({ ...total, measures: [{ name: 'waiting', type: 'count' }] });
    expect(typedSdl([tickets, ranked, renamed])).not.toBe(typedSdl(definitions));
  });

  it('refuses names that clash, naming each clash', () => {
    const clash = (definition: Record<string, unknown>) => () =>
      buildSchema([
        readModelDefinition.parse({ source: 'a.b', measures: [{ name: 'n', type: 'count' }], ...definition }),
      ]);
    expect(clash({ name: 'aggregate' })).toThrow(
      /read model "aggregate": its field aggregate is already in Readout's own schema/,
    );
    expect(clash({ name: 'held_change' })).toThrow(/its type HeldChange is already in Readout's own schema/);
    expect(clash({ name: 'x', dimensions: [{ column: 'rank' }], top: { by: 'n', limit: 2 } })).toThrow(
      /"rank" and the top-N rank/,
    );
    expect(() =>
      buildSchema([
        readModelDefinition.parse({ name: 'a_1', source: 'a.b', measures: [{ name: 'n', type: 'count' }] }),
        readModelDefinition.parse({ name: 'a1', source: 'a.b', measures: [{ name: 'n', type: 'count' }] }),
      ]),
    ).toThrow(/read models "a_1" and "a1" both become the GraphQL field a1/);
    expect(
      clash({ name: 'x', dimensions: [{ column: 'Region' }], measures: [{ name: 'region', type: 'count' }] }),
    ).toThrow(/"region" and "Region" both become the order value REGION/);
    expect(() =>
      readModelDefinition.parse({
        name: 'x',
        source: 'a.b',
        dimensions: [{ column: 'n' }],
        measures: [{ name: 'n', type: 'count' }],
      }),
    ).toThrow(/already the name of a dimension or measure of this model/);
  });

  describe('answers from a snapshot', () => {
    const models = definitions.map((definition) => compileModel(definition));
    const hour = (iso: string) => bucketOf(Date.parse(iso), 'hour', 'Asia/Kolkata');
    const h1 = hour('2026-12-07T04:40:00Z');
    const h2 = hour('2026-12-07T05:40:00Z');
    // Past 64 bits: 2^64 + 1 millionths of an hour.
    const huge = 2n ** 64n + 1n;
    const snapshots = new Map<string, ModelSnapshot>([
      [
        'ticket_load',
        snapshot('ticket_load', [
          {
            label: h1.label,
            startMs: h1.startMs,
            ranking: null,
            groups: [
              group(
                ['billing', '<0.5'],
                { tickets: 2n, effort_total: 400000n, 'mean_effort.sum': 400000n, 'mean_effort.n': 2n },
                2n,
              ),
              group(
                [null, '>=2'],
                { tickets: 1n, effort_total: huge, 'mean_effort.sum': huge, 'mean_effort.n': 1n },
                1n,
              ),
            ],
          },
          {
            label: h2.label,
            startMs: h2.startMs,
            ranking: null,
            groups: [
              group(
                ['billing', '0.5..2'],
                { tickets: 3n, effort_total: 3000000n, 'mean_effort.sum': 3000000n, 'mean_effort.n': 3n },
                1n,
              ),
            ],
          },
        ]),
      ],
      [
        'top_accounts',
        snapshot('top_accounts', [
          {
            label: null,
            startMs: null,
            ranking: [['zeta'], ['alpha'], ['mid']],
            groups: ['alpha', 'mid', 'zeta', 'small'].map((account, i) =>
              group([account], { billed: BigInt([500, 100, 900, 50][i] ?? 0) }),
            ),
          },
        ]),
      ],
    ]);
    const context = contextFor(models, snapshots);

    it('gives every group with exact values, in time and dimension order', async () => {
      const result = await run(
        schema,
        context,
        '{ ticketLoad { totalRows rows { openedHour { start local } queue effortBand tickets effortTotal meanEffort customers } freshness { version } } }',
      );
      expect(result.errors).toBeUndefined();
      expect(result.data?.ticketLoad).toEqual({
        totalRows: 3,
        freshness: { version: '7' },
        rows: [
          {
            openedHour: { start: new Date(h1.startMs).toISOString(), local: h1.label },
            queue: 'billing',
            effortBand: '<0.5',
            tickets: '2',
            effortTotal: '0.400000',
            meanEffort: '0.200000',
            customers: '2',
          },
          {
            openedHour: { start: new Date(h1.startMs).toISOString(), local: h1.label },
            queue: null,
            effortBand: '>=2',
            tickets: '1',
            effortTotal: '18446744073709.551617',
            meanEffort: '18446744073709.551617',
            customers: '1',
          },
          {
            openedHour: { start: new Date(h2.startMs).toISOString(), local: h2.label },
            queue: 'billing',
            effortBand: '0.5..2',
            tickets: '3',
            effortTotal: '3.000000',
            meanEffort: '1.000000',
            customers: '1',
          },
        ],
      });
    });

    it('filters by dimension values and time, orders by a measure and limits', async () => {
      const result = await run(
        schema,
        context,
        `{ a: ticketLoad(where: { queue: ["billing"] }, orderBy: [{ by: TICKETS, direction: DESC }], limit: 1) { totalRows rows { tickets } }
           b: ticketLoad(where: { queue: [null] }) { rows { effortTotal } }
           c: ticketLoad(from: "${new Date(h2.startMs).toISOString()}") { rows { tickets } } }`,
      );
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({
        a: { totalRows: 2, rows: [{ tickets: '3' }] },
        b: { rows: [{ effortTotal: '18446744073709.551617' }] },
        c: { rows: [{ tickets: '3' }] },
      });
    });

    it('ranks a top-N model by its ranking, the unranked after it', async () => {
      const result = await run(
        schema,
        context,
        `{ top: topAccounts { rows { rank account billed } }
           two: topAccounts(limit: 2) { totalRows rows { account } }
           all: topAccounts(limit: 10, orderBy: [{ by: ACCOUNT }]) { rows { rank account } } }`,
      );
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({
        top: {
          rows: [
            { rank: 1, account: 'zeta', billed: '9.00' },
            { rank: 2, account: 'alpha', billed: '5.00' },
            { rank: 3, account: 'mid', billed: '1.00' },
          ],
        },
        two: { totalRows: 4, rows: [{ account: 'zeta' }, { account: 'alpha' }] },
        all: {
          rows: [
            { rank: 2, account: 'alpha' },
            { rank: 3, account: 'mid' },
            { rank: null, account: 'small' },
            { rank: 1, account: 'zeta' },
          ],
        },
      });
    });

    it('ranks a top-N model with time buckets within each bucket, in time order', async () => {
      const daily = readModelDefinition.parse({
        name: 'daily_top',
        source: 'billing.invoices',
        dimensions: [
          { name: 'day', bucket: { column: 'issued_at', unit: 'day', timeZone: 'UTC' } },
          { column: 'account' },
        ],
        measures: [{ name: 'billed', type: 'sum', column: 'total', scale: 0 }],
        top: { by: 'billed', limit: 2 },
      });
      const day = (iso: string) => bucketOf(Date.parse(iso), 'day', 'UTC');
      const [d1, d2] = [day('2026-12-06T12:00:00Z'), day('2026-12-07T12:00:00Z')];
      const billed = (account: string, units: bigint) => group([account], { billed: units });
      const own = new Map([
        [
          'daily_top',
          snapshot('daily_top', [
            {
              label: d1.label,
              startMs: d1.startMs,
              ranking: [['b'], ['a']],
              groups: [billed('a', 5n), billed('b', 9n), billed('c', 1n)],
            },
            {
              label: d2.label,
              startMs: d2.startMs,
              ranking: [['a'], ['c']],
              groups: [billed('a', 7n), billed('c', 3n)],
            },
          ]),
        ],
      ]);
      const result = await run(
        buildSchema([daily]),
        contextFor([compileModel(daily)], own),
        '{ dailyTop(limit: 10) { rows { day { start } rank account } } }',
      );
      expect(result.errors).toBeUndefined();
      const start = (bucket: { startMs: number }) => new Date(bucket.startMs).toISOString();
      expect(result.data).toEqual({
        dailyTop: {
          rows: [
            { day: { start: start(d1) }, rank: 1, account: 'b' },
            { day: { start: start(d1) }, rank: 2, account: 'a' },
            { day: { start: start(d1) }, rank: null, account: 'c' },
            { day: { start: start(d2) }, rank: 1, account: 'a' },
            { day: { start: start(d2) }, rank: 2, account: 'c' },
          ],
        },
      });
    });

    it('refuses another zone whose buckets would cut the model’s in two, naming timeZone', async () => {
      // Kolkata's hours start at :30 in Berlin: an hour of the model is no hour there.
      const berlin = await run(schema, context, '{ ticketLoad(timeZone: "Europe/Berlin") { totalRows } }');
      expect(berlin.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/do not fit whole into hours of Europe\/Berlin/) as unknown,
        extensions: { argumentName: 'timeZone' },
      });
      const sameOffset = await run(schema, context, '{ ticketLoad(timeZone: "Asia/Colombo") { totalRows } }');
      expect(sameOffset.errors).toBeUndefined();
    });

    it('answers one row of zeros for a model without dimensions that has no rows yet', async () => {
      snapshots.set('backlog', snapshot('backlog', []));
      const result = await run(schema, context, '{ backlog { totalRows rows { openTickets oldest } } }');
      expect(result.data).toEqual({ backlog: { totalRows: 1, rows: [{ openTickets: '0', oldest: null }] } });
    });

    it('refuses a bad argument naming it, and a model no projector has filled', async () => {
      const limit = await run(schema, context, '{ topAccounts(limit: 0) { totalRows } }');
      expect(limit.errors?.[0]).toMatchObject({
        message: 'limit must be between 1 and 1000, got 0',
        extensions: { code: 'BAD_USER_INPUT', argumentName: 'limit' },
      });
      const zone = await run(schema, context, '{ ticketLoad(timeZone: "Mars/Olympus") { totalRows } }');
      expect(zone.errors?.[0]?.extensions).toMatchObject({ argumentName: 'timeZone' });
      snapshots.delete('backlog');
      const empty = await run(schema, context, '{ backlog { totalRows } }');
      expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'READ_MODEL_NOT_READY' });
    });
  });
});
