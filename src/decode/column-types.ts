import type { SchemaNode } from './column-values.ts';
import { isObject } from './raw-json.ts';

/**
 * Each column's Connect type as a stable signature, for noticing that a source table's column
 * changed type: "int64", "string/io.debezium.time.ZonedTimestamp",
 * "bytes/org.apache.kafka.connect.data.Decimal", "array<int32>". Only the type and the logical
 * name (and an array's item signature): a parameter such as a decimal's scale or precision is left
 * out, so widening numeric(12,2) to numeric(14,2) is not a type change.
 */
function signature(schema: SchemaNode): string {
  const type = typeof schema.type === 'string' ? schema.type : '?';
  const named = typeof schema.name === 'string' ? `${type}/${schema.name}` : type;
  return type === 'array' && isObject(schema.items) ? `${named}<${signature(schema.items)}>` : named;
}

/** Row schemas come from splitWrapped's cache, one object per distinct schema: computed once each. */
const computed = new WeakMap<SchemaNode, ReadonlyMap<string, string>>();

/** The column types of a row struct's schema; null without a schema. */
export function columnTypesOf(rowSchema: SchemaNode | undefined): ReadonlyMap<string, string> | null {
  if (rowSchema === undefined) return null;
  let types = computed.get(rowSchema);
  if (types === undefined) {
    const map = new Map<string, string>();
    const fields = Array.isArray(rowSchema.fields) ? rowSchema.fields : [];
    for (const field of fields)
      if (isObject(field) && typeof field.field === 'string') map.set(field.field, signature(field));
    types = map;
    computed.set(rowSchema, types);
  }
  return types;
}
