/**
 * What the generated dashboard knows of the read models: only what the API's `readModels` says
 * (their typed field, dimensions, measures, top-N), so a model added to readmodels/ gets a panel
 * without any code written for it.
 */
import { client } from '../shared/graphql-client.ts';
import { FRESHNESS_FIELDS } from '../shared/freshness.ts';

export interface ModelInfo {
  readonly name: string;
  readonly field: string;
  readonly description: string | null;
  readonly source: string;
  readonly dimensions: ReadonlyArray<{
    name: string;
    field: string;
    kind: 'COLUMN' | 'TIME' | 'BAND';
    unit: 'MINUTE' | 'HOUR' | 'DAY' | null;
  }>;
  readonly measures: ReadonlyArray<{
    name: string;
    field: string;
    type: 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'DISTINCT';
    scale: number | null;
  }>;
  readonly top: { by: string; limit: number } | null;
}

const READ_MODELS = `{ readModels { name field description source
  dimensions { name field kind unit } measures { name field type scale } top { by limit } } }`;

/** The read models, asked once over the page's socket. */
export function loadReadModels(): Promise<ModelInfo[]> {
  return new Promise((resolve, reject) => {
    let models: ModelInfo[] | undefined;
    client.subscribe<{ readModels: ModelInfo[] }>(
      { query: READ_MODELS },
      {
        next: ({ data, errors }) => {
          if (errors?.length) reject(new Error(errors.map((e) => e.message).join('; ')));
          models = data?.readModels;
        },
        error: (error) => reject(error instanceof Error ? error : new Error('readModels failed')),
        complete: () => (models ? resolve(models) : reject(new Error('no read models'))),
      },
    );
  });
}

/** How a model is best shown, from its shape alone. */
export type Shape = 'number' | 'bars' | 'ranking' | 'table';

export function shapeOf(model: ModelInfo): Shape {
  const timed = model.dimensions.some((d) => d.kind === 'TIME');
  // A ranking per time bucket is a table (newest first, with its rank), not one list.
  if (model.top && !timed) return 'ranking';
  if (model.dimensions.length === 0) return 'number';
  if (model.dimensions.length === 1 && model.dimensions[0]?.kind === 'TIME') return 'bars';
  return 'table';
}

/** Time buckets a bar chart shows; table rows a panel shows. */
export const BARS = 48;
export const TABLE_ROWS = 50;

/** The subscription that feeds a model's panel: its generated typed field, every row field. */
export function panelSubscription(model: ModelInfo): string {
  const shape = shapeOf(model);
  const time = model.dimensions.find((d) => d.kind === 'TIME');
  // Newest buckets first, so that a limit keeps the newest.
  const newest = time ? `orderBy: [{ by: ${time.name.toUpperCase()}, direction: DESC }], ` : '';
  const args =
    shape === 'bars'
      ? `(${newest}limit: ${BARS})`
      : shape === 'table'
        ? `(${newest}limit: ${TABLE_ROWS})`
        : '';
  const fields = [
    ...(model.top ? ['rank'] : []),
    ...model.dimensions.map((d) => (d.kind === 'TIME' ? `${d.field} { start local }` : d.field)),
    ...model.measures.map((m) => m.field),
  ];
  return `subscription { ${model.field}${args} { totalRows rows { ${fields.join(' ')} } freshness { ${FRESHNESS_FIELDS} } } }`;
}
