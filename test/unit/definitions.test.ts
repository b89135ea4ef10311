import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnReferences, loadDefinitions, missingColumns } from '../../src/definitions/index.ts';
import { ReadoutError } from '../../src/errors/index.ts';

function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'readout-defs-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function problemsOf(files: Record<string, string>): string[] {
  try {
    loadDefinitions(folderWith(files));
  } catch (error) {
    if (error instanceof ReadoutError) return (error.details.problems as string[]) ?? [];
    throw error;
  }
  throw new Error('expected the definitions to be refused');
}

describe('read-model definitions', () => {
  it('loads every demo definition shipped in readmodels/', () => {
    const loaded = loadDefinitions(new URL('../../readmodels/', import.meta.url).pathname);
    expect(loaded.map((l) => l.definition.name).sort()).toEqual([
      'items_by_product',
      'open_orders',
      'orders_by_amount_band',
      'orders_by_status',
      'orders_shipped_per_minute',
      'revenue_by_customer',
      'revenue_by_hour',
    ]);
  });

  it('names the file, the field and what was expected, for every problem at once', () => {
    const problems = problemsOf({
      'a.yaml': [
        'name: Bad-Name',
        'source: orders',
        'measures:',
        '  - { name: total, type: sum }',
        '  - { name: n, type: median, column: amount }',
      ].join('\n'),
      'b.yaml': [
        'name: b',
        'source: public.orders',
        'dimensions:',
        '  - name: hour',
        '    bucket: { column: created_at, unit: week, timeZone: Mars/Olympus }',
        'measures: [{ name: n, type: count }]',
      ].join('\n'),
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^a\.yaml: name: expected snake_case/),
        expect.stringMatching(/^a\.yaml: source: expected "schema\.table"/),
        expect.stringMatching(/^a\.yaml: measures\.0\.column: /),
        expect.stringMatching(/^a\.yaml: measures\.1\.type: /),
        expect.stringMatching(/^b\.yaml: dimensions\.0/),
      ]),
    );
    expect(problems.length).toBeGreaterThanOrEqual(5);
  });

  it('checks the rules between fields', () => {
    const problems = problemsOf({
      'flow.yaml':
        'name: f\nsource: public.orders\nkind: flow\nmeasures: [{ name: m, type: max, column: amount }]\n',
      'top.yaml':
        'name: t\nsource: public.orders\nmeasures: [{ name: m, type: max, column: amount }]\ntop: { by: m, limit: 3 }\nretention: 5d\n',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'flow.yaml: when: a flow model needs "when": which changes it counts',
        'flow.yaml: measures.0.type: a flow model counts or sums changes: expected "count" or "sum"',
        'top.yaml: top.by: expected the name of a count or sum measure of this model',
        'top.yaml: retention: retention applies to time-bucketed models: add a bucket dimension',
      ]),
    );
  });

  it('refuses two models with the same name, and malformed YAML', () => {
    const problems = problemsOf({
      'one.yaml': 'name: same\nsource: public.orders\nmeasures: [{ name: n, type: count }]\n',
      'two.yaml': 'name: same\nsource: public.orders\nmeasures: [{ name: n, type: count }]\n',
      'three.yaml': 'name: [unclosed\n',
    });
    expect(problems).toContain('two.yaml: name: "same" is already defined in one.yaml');
    expect(problems.some((p) => p.startsWith('three.yaml: not valid YAML/JSON'))).toBe(true);
  });
});

describe('columns a definition names, against its table', () => {
  const dir = folderWith({
    'sales.yaml': [
      'name: sales',
      'source: public.sales',
      'filter: [{ column: state, notIn: [void] }]',
      'dimensions: [{ column: region }, { name: size, bands: { column: amout, edges: ["10"] } }]',
      'measures: [{ name: n, type: count }, { name: total, type: sum, column: amount, scale: 30 }]',
    ].join('\n'),
  });
  const loaded = loadDefinitions(dir);
  const references = columnReferences(loaded, [], 'sources.yaml');

  it('lists every column with the field that names it', () => {
    expect(references.map((r) => `${r.field}=${r.column}`)).toEqual([
      'filter.0.column=state',
      'dimensions.0.column=region',
      'dimensions.1.bands.column=amout',
      'measures.1.column=amount',
    ]);
  });

  it('names the file and field of a column the table does not have', () => {
    const problems = missingColumns(references, (table) =>
      table === 'public.sales' ? ['id', 'state', 'region', 'amount'] : null,
    );
    expect(problems).toEqual([
      'sales.yaml: dimensions.1.bands.column: public.sales has no column "amout" (its columns: id, state, region, amount)',
    ]);
  });

  it('leaves a table the database does not have to its first events', () => {
    expect(missingColumns(references, () => null)).toEqual([]);
  });
});
