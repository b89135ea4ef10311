import { readModelDefinition } from '../../src/definitions/index.ts';
import { compileModel, type CompiledModel } from '../../src/projection/index.ts';

/**
 * A state model over orders with every kind of measure and a top-N ranking, for the property
 * tests (pure and on Redis). `overrides` replaces top-level fields of the definition.
 */
export function everyMeasureModel(name: string, overrides: Record<string, unknown> = {}): CompiledModel {
  return compileModel(
    readModelDefinition.parse({
      name,
      source: 'public.orders',
      filter: [{ column: 'status', notIn: ['cancelled'] }],
      dimensions: [{ column: 'status' }],
      measures: [
        { name: 'orders', type: 'count' },
        { name: 'revenue', type: 'sum', column: 'amount', scale: 2 },
        { name: 'average', type: 'avg', column: 'amount', scale: 2 },
        { name: 'largest', type: 'max', column: 'amount', scale: 2 },
        { name: 'smallest', type: 'min', column: 'amount', scale: 2 },
        { name: 'customers', type: 'distinct', column: 'customer' },
      ],
      top: { by: 'revenue', limit: 2 },
      ...overrides,
    }),
  );
}

/** Hourly buckets in a DST zone plus amount bands, with a max and a 48 h retention. */
export function hourAndBandModel(name: string): CompiledModel {
  return everyMeasureModel(name, {
    filter: [],
    dimensions: [
      { name: 'hour', bucket: { column: 'created_at', unit: 'hour', timeZone: 'Europe/Berlin' } },
      { name: 'band', bands: { column: 'amount', edges: ['10', '100'] } },
    ],
    measures: [
      { name: 'orders', type: 'count' },
      { name: 'revenue', type: 'sum', column: 'amount', scale: 2 },
      { name: 'largest', type: 'max', column: 'amount', scale: 2 },
    ],
    top: undefined,
    retention: '48h',
  });
}
