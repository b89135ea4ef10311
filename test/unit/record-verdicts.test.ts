import { describe, expect, it } from 'vitest';
import { decimalFromString, type Row, type RowEvent } from '../../src/decode/index.ts';
import { readModelDefinition } from '../../src/definitions/index.ts';
import { judgeEvents, typeFamily } from '../../src/pipeline/record-verdicts.ts';
import { compileModel } from '../../src/projection/index.ts';

const model = (name: string, fields: Record<string, unknown>) =>
  compileModel(readModelDefinition.parse({ name, source: 'public.sales', ...fields }));

const revenue = model('revenue', {
  dimensions: [{ column: 'region' }],
  measures: [{ name: 'total', type: 'sum', column: 'amount', scale: 2 }],
});
const bands = model('bands', {
  dimensions: [{ name: 'size', bands: { column: 'amount', edges: ['100'] } }],
  measures: [{ name: 'n', type: 'count' }],
});
const regions = model('regions', {
  dimensions: [{ column: 'region' }],
  measures: [{ name: 'n', type: 'count' }],
});
const models = [revenue, bands, regions];

const decimalType = 'bytes/org.apache.kafka.connect.data.Decimal';
const schema = new Map([
  ['id', 'int64'],
  ['region', 'string'],
  ['amount', decimalType],
]);

let offset = 0;
function create(after: Row, columnTypes: ReadonlyMap<string, string> | null = schema): RowEvent {
  offset += 1;
  return {
    kind: 'create',
    table: 'public.sales',
    rowKey: `id=${offset}`,
    source: { lsn: BigInt(offset), txId: 1n, commitTimeMs: 0n, snapshot: null, origin: null },
    record: { topic: 't', partition: 0, offset: String(offset) },
    columnTypes,
    after,
  };
}
const good = () => create({ id: 1n, region: 'north', amount: decimalFromString('12.50') ?? null });

describe('one verdict per record', () => {
  it('admits a record every model of its table can apply', () => {
    const event = good();
    expect(judgeEvents([event], models)).toEqual({ admitted: [event], refused: [], schemaChanges: [] });
  });

  it('refuses for every model a record one of them cannot apply, naming each objection', () => {
    // A float amount (decimal.handling.mode=double): the sum and the bands refuse it; the count
    // by region could have taken it, and must not.
    const float = create(
      { id: 1n, region: 'north', amount: 12.25 },
      new Map([...schema, ['amount', 'double']]),
    );
    const more = create({ id: 2n, region: 'south', amount: decimalFromString('1.005') ?? null });
    const verdicts = judgeEvents([good(), float, more], models, () => undefined);
    expect(verdicts.admitted).toHaveLength(1);
    expect(verdicts.refused.map((r) => r.event)).toEqual([float, more]);
    expect(verdicts.refused[0]?.reasons).toEqual([
      expect.stringMatching(/^revenue: amount arrived as a float/),
      expect.stringMatching(/^bands: amount arrived as a float/),
    ]);
    expect(verdicts.refused[1]?.reasons).toEqual(['revenue: amount = 1.005 has more than 2 decimal places']);
  });

  it('a payload that lacks a column its schema lists is a malformed record, not a schema change', () => {
    const lacking = create({ id: 1n, region: 'north' });
    const verdicts = judgeEvents([lacking], models);
    expect(verdicts.schemaChanges).toEqual([]);
    expect(verdicts.refused[0]?.reasons).toEqual([
      'revenue: column amount is missing from the event',
      'bands: column amount is missing from the event',
    ]);
  });
});

describe('source schema changes stop the models they concern, and only those', () => {
  it('a column gone from the schema (dropped or renamed) stops the models reading it', () => {
    const renamed = create(
      { id: 1n, region: 'north', total: decimalFromString('1.00') ?? null },
      new Map([
        ['id', 'int64'],
        ['region', 'string'],
        ['total', decimalType],
      ]),
    );
    const later = good();
    const verdicts = judgeEvents([renamed, later], models);
    expect(verdicts.schemaChanges.map((c) => [c.model.name, c.event, c.reason])).toEqual([
      [
        'revenue',
        renamed,
        'column amount of public.sales is not in its change events (dropped, renamed, or misspelt in the definition?)',
      ],
      [
        'bands',
        renamed,
        'column amount of public.sales is not in its change events (dropped, renamed, or misspelt in the definition?)',
      ],
    ]);
    // The count by region goes on with the record.
    expect(verdicts.admitted).toEqual([renamed, later]);
  });

  it('a column whose type changes family stops the models reading it; a widening does not', () => {
    const known = () => schema;
    const asText = create(
      { id: 1n, region: 'north', amount: '12.50' },
      new Map([...schema, ['amount', 'string']]),
    );
    expect(judgeEvents([asText], models, known).schemaChanges.map((c) => c.reason)).toEqual([
      `column amount of public.sales changed type from ${decimalType} to string`,
      `column amount of public.sales changed type from ${decimalType} to string`,
    ]);
    const wider = create(
      { id: 1n, region: 'north', amount: decimalFromString('12.50') ?? null },
      new Map([...schema, ['amount', 'struct/io.debezium.data.VariableScaleDecimal']]),
    );
    expect(judgeEvents([wider], models, known).schemaChanges).toEqual([]);
    expect(typeFamily('int32')).toBe(typeFamily('int64'));
    expect(typeFamily('int32/io.debezium.time.Date')).not.toBe(
      typeFamily('int64/io.debezium.time.MicroTimestamp'),
    );
  });

  it('an added column changes nothing', () => {
    const added = create(
      { id: 1n, region: 'north', amount: decimalFromString('1.00') ?? null, note: 'new' },
      new Map([...schema, ['note', 'string']]),
    );
    expect(judgeEvents([added], models, () => schema)).toEqual({
      admitted: [added],
      refused: [],
      schemaChanges: [],
    });
  });
});
