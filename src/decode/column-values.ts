import type { ColumnValue, Row } from './change-event.js';
import { decimalFromBase64, decimalFromString } from './decimal.js';
import { RawNumber, isObject, type RawJson } from './raw-json.js';

/** The Kafka Connect schema of one field, as JsonConverter writes it with schemas enabled. */
export interface FieldSchema {
  readonly type: string;
  readonly field?: string;
  readonly name?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly fields?: readonly FieldSchema[];
  readonly items?: FieldSchema;
}

/** Debezium's marker for an unchanged TOASTed value: it means "unchanged", never a value. */
export const UNAVAILABLE_VALUE = '__debezium_unavailable_value';
const unavailable = { kind: 'unavailable' } as const;

/** Thrown for a value that cannot be decoded; the caller turns it into a poison record. */
export class ValueError extends Error {}

export function readFieldSchema(raw: RawJson | undefined): FieldSchema | undefined {
  if (!isObject(raw) || typeof raw.type !== 'string') return undefined;
  const parameters: Record<string, string> = {};
  if (isObject(raw.parameters)) {
    for (const [key, value] of Object.entries(raw.parameters))
      if (typeof value === 'string') parameters[key] = value;
  }
  const fields = Array.isArray(raw.fields)
    ? raw.fields.map(readFieldSchema).filter((f) => f !== undefined)
    : undefined;
  const items = readFieldSchema(raw.items);
  return {
    type: raw.type,
    ...(typeof raw.field === 'string' ? { field: raw.field } : {}),
    ...(typeof raw.name === 'string' ? { name: raw.name } : {}),
    parameters,
    ...(fields ? { fields } : {}),
    ...(items ? { items } : {}),
  };
}

function numberText(value: RawJson, what: string): string {
  if (!(value instanceof RawNumber))
    throw new ValueError(`${what}: expected a number, got ${JSON.stringify(value)}`);
  return value.text;
}

function integerText(value: RawJson, what: string): bigint {
  const text = numberText(value, what);
  if (!/^-?\d+$/.test(text)) throw new ValueError(`${what}: expected an integer, got ${text}`);
  return BigInt(text);
}

/** Decodes one value with its Connect schema. */
export function decodeWithSchema(value: RawJson, schema: FieldSchema, what: string): ColumnValue {
  if (value === null) return null;
  if (value === UNAVAILABLE_VALUE) return unavailable;
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      return Number(integerText(value, what));
    case 'int64':
      // Epoch micro/nanoseconds and bigint columns alike stay exact.
      return integerText(value, what);
    case 'float32':
    case 'float64':
      return Number(numberText(value, what));
    case 'boolean':
      if (typeof value !== 'boolean') throw new ValueError(`${what}: expected a boolean`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw new ValueError(`${what}: expected a string`);
      return value;
    case 'bytes':
      return decodeBytes(value, schema, what);
    case 'struct':
      return decodeStruct(value, schema, what);
    case 'array': {
      if (!Array.isArray(value)) throw new ValueError(`${what}: expected an array`);
      const items = schema.items;
      return value.map((item, index) =>
        items ? decodeWithSchema(item, items, `${what}[${index}]`) : decodeLoose(item, `${what}[${index}]`),
      );
    }
    default:
      throw new ValueError(`${what}: unsupported Connect type "${schema.type}"`);
  }
}

function decodeBytes(value: RawJson, schema: FieldSchema, what: string): ColumnValue {
  if (typeof value !== 'string') throw new ValueError(`${what}: expected base64 bytes`);
  if (schema.name === 'org.apache.kafka.connect.data.Decimal') {
    const scale = Number(schema.parameters?.scale);
    if (!Number.isInteger(scale)) throw new ValueError(`${what}: Decimal schema without an integer scale`);
    return decimalFromBase64(value, scale);
  }
  return value;
}

function decodeStruct(value: RawJson, schema: FieldSchema, what: string): ColumnValue {
  if (!isObject(value)) throw new ValueError(`${what}: expected a struct`);
  if (schema.name === 'io.debezium.data.VariableScaleDecimal') {
    const scale = Number(integerText(value.scale ?? null, `${what}.scale`));
    if (typeof value.value !== 'string') throw new ValueError(`${what}.value: expected base64 bytes`);
    return decimalFromBase64(value.value, scale);
  }
  // Other structs (geometry, ranges) have no aggregate meaning yet: keep their JSON text.
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof RawNumber ? v.text : v));
}

/**
 * Decodes a value that came without a schema (schemas.enable=false). Integers become bigints and
 * other numbers exact decimals of their text; strings stay strings (a precise-mode decimal cannot
 * be recognised without its scale, and the projection says so when it needs one).
 */
export function decodeLoose(value: RawJson, what: string): ColumnValue {
  if (value === null || typeof value === 'boolean') return value;
  if (value === UNAVAILABLE_VALUE) return unavailable;
  if (typeof value === 'string') return value;
  if (value instanceof RawNumber) {
    if (/^-?\d+$/.test(value.text)) return BigInt(value.text);
    const exact = decimalFromString(value.text);
    if (!exact) throw new ValueError(`${what}: number ${value.text} is not a plain decimal`);
    return exact;
  }
  if (Array.isArray(value)) return value.map((item, index) => decodeLoose(item, `${what}[${index}]`));
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof RawNumber ? v.text : v));
}

/** Decodes a row struct (before/after) with its struct schema, or loosely without one. */
export function decodeRow(value: RawJson, schema: FieldSchema | undefined, what: string): Row | null {
  if (value === null) return null;
  if (!isObject(value)) throw new ValueError(`${what}: expected an object`);
  const row: Record<string, ColumnValue> = {};
  const fieldSchemas = new Map((schema?.fields ?? []).map((field) => [field.field, field]));
  for (const [column, raw] of Object.entries(value)) {
    const fieldSchema = fieldSchemas.get(column);
    row[column] =
      schema && fieldSchema
        ? decodeWithSchema(raw, fieldSchema, `${what}.${column}`)
        : decodeLoose(raw, `${what}.${column}`);
  }
  return row;
}
