import type { ReadModelDefinition } from '../../definitions/index.ts';
import { dimensionsOf } from '../model-view.ts';

/**
 * The GraphQL names a read model gets in the generated schema, all derived from its snake_case
 * names: model `sales_by_region` → field `salesByRegion`, types `SalesByRegion`,
 * `SalesByRegionRow`, …; measure `average_amount` → row field `averageAmount`.
 */

/** snake_case → camelCase (`average_amount` → `averageAmount`). */
export function camelCase(snake: string): string {
  return snake.replace(/_+([a-z0-9])/g, (_match, next: string) => next.toUpperCase());
}

/** snake_case → PascalCase (`sales_by_region` → `SalesByRegion`). */
export function pascalCase(snake: string): string {
  const camel = camelCase(snake);
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

/** snake_case → an enum value (`average_amount` → `AVERAGE_AMOUNT`). */
export function enumValue(snake: string): string {
  return snake.toUpperCase();
}

/** The rank of a row in a top-N model: a row field and an order key of its own. */
export const RANK_FIELD = 'rank';

export interface ModelNames {
  /** The Query and Subscription field. */
  readonly field: string;
  /** The answer: rows, totalRows, freshness. */
  readonly type: string;
  readonly row: string;
  /** Filters on dimension values (absent for a model without dimensions to filter). */
  readonly where: string | null;
  /** The enum of what rows can be ordered by, and the input naming one with a direction. */
  readonly orderField: string;
  readonly orderBy: string;
  /** Row fields by dimension or measure name (the `rank` field has its own constant). */
  readonly rowFields: ReadonlyMap<string, string>;
}

export function modelNames(definition: ReadModelDefinition): ModelNames {
  const type = pascalCase(definition.name);
  const filterable = dimensionsOf(definition).filter((dimension) => dimension.kind !== 'time');
  const rowFields = new Map<string, string>();
  for (const dimension of dimensionsOf(definition)) rowFields.set(dimension.name, camelCase(dimension.name));
  for (const measure of definition.measures) rowFields.set(measure.name, camelCase(measure.name));
  return {
    field: camelCase(definition.name),
    type,
    row: `${type}Row`,
    where: filterable.length > 0 ? `${type}Where` : null,
    orderField: `${type}Field`,
    orderBy: `${type}OrderBy`,
    rowFields,
  };
}

/**
 * Why these definitions cannot share one schema, one line each: two names that meet in one
 * GraphQL name, or a name Readout's own schema already uses. Empty when they can.
 */
export function nameClashes(
  definitions: readonly ReadModelDefinition[],
  taken: { readonly types: ReadonlySet<string>; readonly fields: ReadonlySet<string> },
): string[] {
  const problems: string[] = [];
  const types = new Map<string, string>();
  const fields = new Map<string, string>();
  for (const definition of definitions) {
    const names = modelNames(definition);
    const claim = (
      owners: Map<string, string>,
      reserved: ReadonlySet<string>,
      name: string,
      what: string,
    ) => {
      if (reserved.has(name))
        problems.push(
          `read model "${definition.name}": its ${what} ${name} is already in Readout's own schema`,
        );
      const owner = owners.get(name);
      if (owner !== undefined && owner !== definition.name)
        problems.push(
          `read models "${owner}" and "${definition.name}" both become the GraphQL ${what} ${name}`,
        );
      owners.set(name, definition.name);
    };
    claim(fields, taken.fields, names.field, 'field');
    for (const type of [names.type, names.row, names.where, names.orderField, names.orderBy])
      if (type !== null) claim(types, taken.types, type, 'type');
    const orderValues = new Map<string, string>();
    for (const name of [...(definition.top ? [RANK_FIELD] : []), ...names.rowFields.keys()]) {
      const value = enumValue(name);
      const owner = orderValues.get(value);
      if (owner !== undefined)
        problems.push(
          `read model "${definition.name}": "${name}" and "${owner}" both become the order value ${value}`,
        );
      orderValues.set(value, name);
    }
    const rowFields = new Map<string, string>();
    if (definition.top) rowFields.set(RANK_FIELD, 'the top-N rank');
    for (const [name, field] of names.rowFields) {
      const owner = rowFields.get(field);
      if (owner !== undefined)
        problems.push(
          `read model "${definition.name}": "${name}" and ${owner} both become the row field ${field}`,
        );
      rowFields.set(field, `"${name}"`);
    }
  }
  return problems;
}
