import type { ColumnValue, Row } from './change-event.js';
import { decimal, decimalFromBase64, formatUnscaled, isDecimal, type Decimal } from './decimal.js';
import { ExactParseNeeded, RawNumber, isObject, type RawJson } from './raw-json.js';

/**
 * A Kafka Connect schema node as JsonConverter writes it with schemas enabled ({type, name?,
 * parameters?, fields?, items?, field?}). Read in place, not converted: the schema is most of an
 * event's bytes, and only the fields a payload uses are looked at.
 */
export type SchemaNode = { readonly [key: string]: RawJson };

/** Debezium's marker for an unchanged TOASTed value: it means "unchanged", never a value. */
export const UNAVAILABLE_VALUE = '__debezium_unavailable_value';
/** The same marker in a bytes (bytea) column: the base64 of its UTF-8 bytes. */
export const UNAVAILABLE_BASE64 = Buffer.from(UNAVAILABLE_VALUE).toString('base64');
/** The same marker in an integer array column: the marker's bytes, one element each. */
const UNAVAILABLE_CODES = [...Buffer.from(UNAVAILABLE_VALUE)];
const unavailable = { kind: 'unavailable' } as const;

/** Thrown for a value that cannot be decoded; the caller turns it into a poison record. */
export class ValueError extends Error {
  constructor(
    readonly reason: string,
    readonly path = '',
  ) {
    super(path ? `${path}: ${reason}` : reason);
  }

  /** The same error one level further out: "amount" under "after" is "after.amount". */
  under(parent: string): ValueError {
    if (!this.path) return new ValueError(this.reason, parent);
    return new ValueError(
      this.reason,
      this.path.startsWith('[') ? parent + this.path : `${parent}.${this.path}`,
    );
  }
}

const plainInteger = /^-?\d+$/;
const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function describe(value: RawJson): string {
  if (value instanceof RawNumber) return value.text;
  return jsonText(value);
}

/**
 * An integer, exactly: a plain integer literal at any size, or any other number literal whose
 * value is a safe integer. A fast-parsed number beyond 2^53 may have lost digits: decode again.
 */
export function integerOf(value: RawJson | undefined): bigint | undefined {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return BigInt(value);
    if (Number.isInteger(value)) throw new ExactParseNeeded();
    return undefined;
  }
  if (value instanceof RawNumber) {
    if (plainInteger.test(value.text)) return BigInt(value.text);
    const number = Number(value.text);
    return Number.isSafeInteger(number) ? BigInt(number) : undefined;
  }
  return undefined;
}

const int32Bounds = { int8: 2 ** 7, int16: 2 ** 15, int32: 2 ** 31 } as const;

function smallInteger(value: RawJson, type: keyof typeof int32Bounds): number {
  const bound = int32Bounds[type];
  // The common case without a BigInt round trip.
  if (typeof value === 'number' && Number.isInteger(value) && value >= -bound && value < bound) return value;
  const exact = integerOf(value);
  if (exact === undefined) throw new ValueError(`expected an integer (${type}), got ${describe(value)}`);
  const number = Number(exact);
  if (number < -bound || number >= bound) throw new ValueError(`${exact} is out of range for ${type}`);
  return number;
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

function int64(value: RawJson): bigint {
  const exact = integerOf(value);
  if (exact === undefined) throw new ValueError(`expected an integer (int64), got ${describe(value)}`);
  if (exact < int64Min || exact > int64Max) throw new ValueError(`${exact} is out of range for int64`);
  return exact;
}

function float(value: RawJson): number {
  if (typeof value === 'number') return value;
  if (value instanceof RawNumber) return Number(value.text);
  // Jackson writes non-finite doubles as these strings.
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  throw new ValueError(`expected a number, got ${describe(value)}`);
}

function base64(value: RawJson, what: string): string {
  if (typeof value !== 'string' || !base64Text.test(value)) throw new ValueError(`expected ${what}`);
  return value;
}

/** PostgreSQL's numeric scale range (a negative scale rounds to tens, hundreds, ...). */
const maxScale = 16383;

function scaleParameter(schema: SchemaNode): number {
  const parameters = schema.parameters;
  const scale = isObject(parameters) && typeof parameters.scale === 'string' ? Number(parameters.scale) : NaN;
  if (!Number.isInteger(scale)) throw new ValueError('Decimal schema without an integer scale');
  return scale;
}

/** An exact decimal from Connect's bytes; a negative scale is folded into the unscaled value. */
function exactDecimal(bytes: string, scale: number): Decimal {
  if (scale < -maxScale || scale > maxScale) throw new ValueError(`decimal scale ${scale} is out of range`);
  const value = decimalFromBase64(bytes, Math.max(scale, 0));
  return scale >= 0 ? value : decimal(value.unscaled * 10n ** BigInt(-scale), 0);
}

/** True for the forms Debezium gives an unchanged TOASTed array: ["<marker>"] or the marker's bytes. */
function isUnavailableArray(value: readonly RawJson[]): boolean {
  if (value.length === 1) return value[0] === UNAVAILABLE_VALUE;
  if (value.length !== UNAVAILABLE_CODES.length) return false;
  for (let i = 0; i < value.length; i += 1) {
    const item = value[i];
    const code = typeof item === 'number' ? item : item instanceof RawNumber ? Number(item.text) : NaN;
    if (code !== UNAVAILABLE_CODES[i]) return false;
  }
  return true;
}

function schemaType(schema: SchemaNode): string {
  return typeof schema.type === 'string' ? schema.type : '';
}

/** Decodes one value with its Connect schema. */
export function decodeWithSchema(value: RawJson, schema: SchemaNode): ColumnValue {
  if (value === null) return null;
  if (value === UNAVAILABLE_VALUE) return unavailable;
  const type = schemaType(schema);
  switch (type) {
    case 'int8':
    case 'int16':
    case 'int32':
      // Date (epoch days), Time (ms) and plain integers.
      return smallInteger(value, type);
    case 'int64':
      // bigint columns, MicroTimestamp / Timestamp / MicroTime / MicroDuration: exact.
      return int64(value);
    case 'float':
    case 'double':
      return float(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw new ValueError(`expected a boolean, got ${describe(value)}`);
      return value;
    case 'string':
      // text, varchar, ZonedTimestamp, Json, Uuid, Enum, and decimals in string mode.
      if (typeof value !== 'string') throw new ValueError(`expected a string, got ${describe(value)}`);
      return value;
    case 'bytes':
      if (schema.name === 'org.apache.kafka.connect.data.Decimal') {
        return exactDecimal(base64(value, 'base64 bytes'), scaleParameter(schema));
      }
      if (value === UNAVAILABLE_BASE64) return unavailable;
      return base64(value, 'base64 bytes');
    case 'struct':
      return decodeStruct(value, schema);
    case 'array':
      return decodeArray(value, isObject(schema.items) ? schema.items : undefined);
    default:
      throw new ValueError(`unsupported Connect type ${JSON.stringify(schema.type ?? null)}`);
  }
}

function decodeArray(value: RawJson, items: SchemaNode | undefined): ColumnValue {
  if (!Array.isArray(value)) throw new ValueError(`expected an array, got ${describe(value)}`);
  if (isUnavailableArray(value)) return unavailable;
  const decoded: ColumnValue[] = new Array<ColumnValue>(value.length);
  for (let i = 0; i < value.length; i += 1) {
    try {
      decoded[i] = items ? decodeWithSchema(value[i] ?? null, items) : decodeLoose(value[i] ?? null);
    } catch (error) {
      throw error instanceof ValueError ? error.under(`[${i}]`) : error;
    }
  }
  return decoded;
}

function variableScaleDecimal(value: { [key: string]: RawJson }): ColumnValue {
  const scale = integerOf(value.scale);
  if (scale === undefined) throw new ValueError('VariableScaleDecimal without an integer scale');
  return exactDecimal(
    base64(value.value ?? null, 'VariableScaleDecimal value as base64 bytes'),
    Number(scale),
  );
}

function decodeStruct(value: RawJson, schema: SchemaNode): ColumnValue {
  if (!isObject(value)) throw new ValueError(`expected a struct, got ${describe(value)}`);
  if (schema.name === 'io.debezium.data.VariableScaleDecimal') return variableScaleDecimal(value);
  // Other structs (geometry, ranges) have no aggregate meaning yet: keep their JSON text.
  return jsonText(value);
}

/**
 * Decodes a value that came without a schema (schemas.enable=false), from its JSON form alone:
 * a plain integer literal is a bigint, any other number a float (Debezium writes exact values as
 * integers, base64 or strings, so a fraction or exponent only comes from float columns or
 * decimal.handling.mode=double); a {scale, value} struct is a VariableScaleDecimal. A precise
 * Decimal is a base64 string whose scale only the schema knows: it stays a string, and whoever
 * needs it as a number refuses it.
 */
export function decodeLoose(value: RawJson): ColumnValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    return value === UNAVAILABLE_VALUE || value === UNAVAILABLE_BASE64 ? unavailable : value;
  }
  // A parsed double cannot tell 1.0 from 1: loose typing needs the literal's text.
  if (typeof value === 'number') throw new ExactParseNeeded();
  if (value instanceof RawNumber) {
    return plainInteger.test(value.text) ? BigInt(value.text) : Number(value.text);
  }
  if (Array.isArray(value)) return decodeArray(value, undefined);
  const { scale, value: bytes } = value;
  if (
    Object.keys(value).length === 2 &&
    scale instanceof RawNumber &&
    plainInteger.test(scale.text) &&
    typeof bytes === 'string' &&
    base64Text.test(bytes)
  ) {
    return variableScaleDecimal(value);
  }
  return jsonText(value);
}

/** Decodes a row struct (before/after) with its struct schema, or loosely without one. */
export function decodeRow(value: RawJson, schema: SchemaNode | undefined, what: string): Row | null {
  if (value === null) return null;
  if (!isObject(value)) throw new ValueError(`expected an object, got ${describe(value)}`, what);
  const row: Record<string, ColumnValue> = {};
  const fields = schema && Array.isArray(schema.fields) ? schema.fields : undefined;
  let decoded = 0;
  let column = '';
  try {
    if (fields) {
      // JsonConverter writes a struct's fields in its schema's order: no lookup table needed.
      for (const field of fields) {
        if (!isObject(field) || typeof field.field !== 'string' || !Object.hasOwn(value, field.field))
          continue;
        column = field.field;
        row[column] = decodeWithSchema(value[column] ?? null, field);
        decoded += 1;
      }
      if (decoded === Object.keys(value).length) return row;
    }
    for (const name of Object.keys(value)) {
      if (Object.hasOwn(row, name)) continue;
      column = name;
      row[column] = decodeLoose(value[column] ?? null);
    }
    return row;
  } catch (error) {
    throw error instanceof ValueError ? error.under(`${what}.${column}`) : error;
  }
}

/** A decoded key column as it appears in a row key: "42", "abc", "-12.50". */
export function keyPart(value: ColumnValue): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return String(value);
  if (isDecimal(value)) return formatUnscaled(value.unscaled, value.scale);
  if (Array.isArray(value)) return `[${value.map(keyPart).join(',')}]`;
  return '?';
}

/** Compact JSON text, numbers as written (RawNumber text), for structs kept as text. */
export function jsonText(value: RawJson): string {
  if (value instanceof RawNumber) return value.text;
  // A parsed double has lost the literal (1.0 is 1, digits beyond 2^53 are gone).
  if (typeof value === 'number') throw new ExactParseNeeded();
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`)
    .join(',')}}`;
}
