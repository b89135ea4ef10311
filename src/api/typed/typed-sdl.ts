import type { MeasureDefinition, ReadModelDefinition } from '../../definitions/index.ts';
import { MAX_ROWS } from '../ad-hoc-query.ts';
import { dimensionsOf, type DimensionInfo } from '../model-view.ts';
import { RANK_FIELD, enumValue, modelNames } from './graphql-names.ts';

/**
 * The typed part of the API's schema, written from the read-model definitions: per model a Query
 * and a Subscription field of the same name and arguments, its answer type, its row type, and the
 * inputs that filter and order it. The rest of the schema (scalars, Freshness, `aggregate`, …) is
 * schema/readout.graphql; this part is printed by `readout schema` and checked in as
 * schema/readmodels.graphql so that clients can be generated from it.
 */

/** A typed field's `limit` when none is given (a top-N model's: its N). */
export const DEFAULT_TYPED_ROWS = 100;

function description(text: string, indent = ''): string {
  // A block string ends at the first """: escape any in a definition's text.
  const escaped = text.trim().replaceAll('"""', '\\"""');
  return escaped.includes('\n')
    ? `${indent}"""\n${escaped
        .split('\n')
        .map((line) => (line ? indent + line : line))
        .join('\n')}\n${indent}"""\n`
    : `${indent}"""${escaped}"""\n`;
}

function dimensionText(dimension: DimensionInfo, own: string | undefined): string {
  if (own) return own;
  switch (dimension.kind) {
    case 'time':
      return `The ${dimension.unit ?? ''} (${dimension.timeZone ?? 'UTC'}) of ${dimension.column ?? "the change's commit"}.`;
    case 'band':
      return `The band of ${dimension.column ?? ''}: edges ${(dimension.edges ?? []).join(', ')} (null: no value).`;
    case 'column':
      return `The value of ${dimension.column ?? dimension.name} (null: no value).`;
  }
}

function measureText(measure: MeasureDefinition, kind: ReadModelDefinition['kind']): string {
  if (measure.description !== undefined) return measure.description;
  switch (measure.type) {
    case 'count':
      return kind === 'flow' ? 'How many changes.' : 'How many rows.';
    case 'distinct':
      return `How many distinct values of ${measure.column}.`;
    case 'sum':
      return `The sum of ${measure.column}, exact, at ${measure.scale} decimal places.`;
    case 'avg':
      return `The mean of ${measure.column}, rounded half away from zero to ${measure.scale} decimal places; null when no row has a value.`;
    case 'min':
      return `The smallest ${measure.column}; null when no row has a value.`;
    case 'max':
      return `The largest ${measure.column}; null when no row has a value.`;
  }
}

function measureType(measure: MeasureDefinition): string {
  switch (measure.type) {
    case 'count':
    case 'distinct':
      return 'BigInt!';
    case 'sum':
      return 'Decimal!';
    case 'avg':
    case 'min':
    case 'max':
      return 'Decimal';
  }
}

function ownDescription(definition: ReadModelDefinition, name: string): string | undefined {
  return definition.dimensions.find((d) => (d.name ?? ('column' in d ? d.column : '')) === name)?.description;
}

/** The arguments of a model's Query and Subscription field, as SDL. */
function argumentsOf(definition: ReadModelDefinition): string {
  const names = modelNames(definition);
  const time = dimensionsOf(definition).find((d) => d.kind === 'time');
  const args: string[] = [];
  if (names.where)
    args.push(
      `${description('Keep only the rows whose dimensions have these values.', '    ')}    where: ${names.where}`,
    );
  if (time) {
    args.push(
      `${description(`Rows whose ${time.name} starts at or after this instant.`, '    ')}    from: DateTime`,
    );
    args.push(
      `${description(`Rows whose ${time.name} starts before this instant.`, '    ')}    to: DateTime`,
    );
    args.push(
      `${description(`Roll ${time.name} up to this unit (not finer than ${time.unit ?? ''}).`, '    ')}    granularity: TimeUnit`,
    );
    args.push(
      `${description(`The zone whose calendar rolled-up buckets follow (default ${time.timeZone ?? 'UTC'}).`, '    ')}    timeZone: String`,
    );
  }
  const defaultOrder = definition.top
    ? 'rank'
    : [
        time?.name,
        ...dimensionsOf(definition)
          .filter((d) => d.kind !== 'time')
          .map((d) => d.name),
      ]
        .filter((name) => name !== undefined)
        .join(', ') || 'none';
  args.push(`${description(`Default: ${defaultOrder}, ascending.`, '    ')}    orderBy: [${names.orderBy}!]`);
  const limit = definition.top?.limit ?? DEFAULT_TYPED_ROWS;
  args.push(`${description(`At most ${MAX_ROWS}.`, '    ')}    limit: Int = ${limit}`);
  return `(\n${args.join('\n')}\n  )`;
}

/** One model's types and its Query/Subscription field declarations. */
function modelSdl(definition: ReadModelDefinition): { types: string; field: string } {
  const names = modelNames(definition);
  const dimensions = dimensionsOf(definition);
  const field = (name: string) => names.rowFields.get(name) ?? name;
  const rowLines: string[] = [];
  if (definition.top)
    rowLines.push(
      `${description(`Place in the model's top ${definition.top.limit} by ${definition.top.by}, 1 for the highest; null outside it.`, '  ')}  ${RANK_FIELD}: Int`,
    );
  for (const dimension of dimensions) {
    const type = dimension.kind === 'time' ? 'TimeBucket!' : 'String';
    rowLines.push(
      `${description(dimensionText(dimension, ownDescription(definition, dimension.name)), '  ')}  ${field(dimension.name)}: ${type}`,
    );
  }
  for (const measure of definition.measures)
    rowLines.push(
      `${description(measureText(measure, definition.kind), '  ')}  ${field(measure.name)}: ${measureType(measure)}`,
    );

  const what = definition.description ?? `Read model ${definition.name}.`;
  const blocks = [
    `${description(`${what}\n\nRead model ${definition.name} over ${definition.source} (${definition.kind}).`)}type ${names.type} {\n` +
      `${description('One row per group (and time bucket), in the order asked.', '  ')}  rows: [${names.row}!]!\n` +
      `${description('Rows before `limit`.', '  ')}  totalRows: Int!\n` +
      `  freshness: Freshness!\n}`,
    `${description(`One row of ${definition.name}.`)}type ${names.row} {\n${rowLines.join('\n')}\n}`,
  ];
  const filterable = dimensions.filter((d) => d.kind !== 'time');
  if (names.where)
    blocks.push(
      `input ${names.where} {\n${filterable
        .map(
          (d) =>
            `${description(`Rows whose ${d.name} is one of these (null: no value).`, '  ')}  ${field(d.name)}: [String]`,
        )
        .join('\n')}\n}`,
    );
  const orderKeys = [
    ...(definition.top ? [RANK_FIELD] : []),
    ...dimensions.map((d) => d.name),
    ...definition.measures.map((m) => m.name),
  ];
  blocks.push(`enum ${names.orderField} {\n${orderKeys.map((key) => `  ${enumValue(key)}`).join('\n')}\n}`);
  blocks.push(`input ${names.orderBy} {\n  by: ${names.orderField}!\n  direction: SortDirection = ASC\n}`);
  const fieldText = `${description(what, '  ')}  ${names.field}${argumentsOf(definition)}: ${names.type}!`;
  return { types: blocks.join('\n\n'), field: fieldText };
}

export const GENERATED_SDL_HEADER =
  '# Generated from the read-model definitions (readmodels/*.yaml) by `readout schema --write`:\n# do not edit. `npm run check` fails when it differs from what the definitions give.\n';

/** The typed part of the schema for these definitions, in name order (stable for a diff). */
export function typedSdl(definitions: readonly ReadModelDefinition[]): string {
  const sorted = [...definitions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (sorted.length === 0) return GENERATED_SDL_HEADER;
  const parts = sorted.map(modelSdl);
  const fields = parts.map((part) => part.field).join('\n');
  return (
    `${GENERATED_SDL_HEADER}\n${parts.map((part) => part.types).join('\n\n')}\n\n` +
    `extend type Query {\n${fields}\n}\n\n` +
    `extend type Subscription {\n${fields}\n}\n`
  );
}
