import { isBase64 } from './base64.ts';
import type { ColumnValue, Row } from './change-event.ts';
import { formatUnscaled, isDecimal } from './decimal.ts';
import { exactDecimal, type DecimalDeclaration } from './exact-decimal.ts';
import { DEFAULT_DECODE_LIMITS, checkDepth, checkStringBytes, type DecodeLimits } from './limits.ts';
import { ExactParseNeeded, RawNumber, isObject, type RawJson } from './raw-json.ts';
import { LimitExceeded, ValueError } from './value-error.ts';

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

const plainInteger = /^-?\d+$/;
/** The longest integer literal integerOf reads. */
const maxIntegerText = 40;

/** How deep a value shown in a reason is written out. */
const describeLimits: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, maxDepth: 4 };

/** A value for a reason: its JSON text, shortened (a refused value can be megabytes). */
function describe(value: RawJson): string {
  let text: string;
  try {
    text = jsonText(value, describeLimits);
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    text = Array.isArray(value) ? '[…]' : '{…}';
  }
  return text.length <= 60 ? text : `${text.slice(0, 40)}…${text.slice(-12)} (${text.length} characters)`;
}

/**
 * An integer, exactly: a plain integer literal (up to 40 characters: every integer read through
 * here is an int64 at most, so a longer one is out of range anyway), or any other number literal
 * whose value is a safe integer. A fast-parsed number beyond 2^53 may have lost digits: decode
 * again.
 */
export function integerOf(value: RawJson | undefined): bigint | undefined {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return BigInt(value);
    if (Number.isInteger(value)) throw new ExactParseNeeded();
    return undefined;
  }
  if (value instanceof RawNumber) {
    // BigInt of a long decimal text costs more than linear time, and no int64 is this long.
    if (plainInteger.test(value.text))
      return value.text.length > maxIntegerText ? undefined : BigInt(value.text);
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
  if (typeof value !== 'string' || !isBase64(value)) throw new ValueError(`expected ${what}`);
  return value;
}

/** A Decimal schema's scale and declared precision ({"scale":"2","connect.decimal.precision":"12"}). */
function decimalDeclaration(schema: SchemaNode): DecimalDeclaration {
  const parameters = isObject(schema.parameters) ? schema.parameters : {};
  const scale = typeof parameters.scale === 'string' ? Number(parameters.scale) : NaN;
  if (!Number.isInteger(scale)) throw new ValueError('Decimal schema without an integer scale');
  const declared = parameters['connect.decimal.precision'];
  if (declared === undefined) return { scale, precision: null };
  const precision = typeof declared === 'string' ? Number(declared) : NaN;
  if (!Number.isInteger(precision) || precision < 1)
    throw new ValueError(`Decimal schema with precision ${describe(declared)}, not a positive integer`);
  return { scale, precision };
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

/** A text value (string column, bytea's base64, struct's JSON text), refused beyond maxStringBytes. */
function capped(text: string, limits: DecodeLimits): string {
  checkStringBytes(text, limits);
  return text;
}

/**
 * Decodes one value with its Connect schema. `depth`: the arrays it is inside (0 for a column).
 */
export function decodeWithSchema(
  value: RawJson,
  schema: SchemaNode,
  limits: DecodeLimits,
  depth = 0,
): ColumnValue {
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
      return capped(value, limits);
    case 'bytes':
      if (schema.name === 'org.apache.kafka.connect.data.Decimal') {
        // The digit cap, checked first, bounds the text: no string cap needed.
        return exactDecimal(base64(value, 'base64 bytes'), decimalDeclaration(schema), limits);
      }
      if (value === UNAVAILABLE_BASE64) return unavailable;
      if (typeof value === 'string') checkStringBytes(value, limits);
      return base64(value, 'base64 bytes');
    case 'struct':
      return decodeStruct(value, schema, limits, depth);
    case 'array':
      return decodeArray(value, isObject(schema.items) ? schema.items : undefined, limits, depth);
    default:
      throw new ValueError(`unsupported Connect type ${JSON.stringify(schema.type ?? null)}`);
  }
}

function decodeArray(
  value: RawJson,
  items: SchemaNode | undefined,
  limits: DecodeLimits,
  depth: number,
): ColumnValue {
  if (!Array.isArray(value)) throw new ValueError(`expected an array, got ${describe(value)}`);
  checkDepth(depth + 1, limits);
  if (isUnavailableArray(value)) return unavailable;
  const decoded: ColumnValue[] = new Array<ColumnValue>(value.length);
  for (let i = 0; i < value.length; i += 1) {
    try {
      decoded[i] = items
        ? decodeWithSchema(value[i] ?? null, items, limits, depth + 1)
        : decodeLoose(value[i] ?? null, limits, depth + 1);
    } catch (error) {
      throw error instanceof ValueError ? error.under(`[${i}]`) : error;
    }
  }
  return decoded;
}

function variableScaleDecimal(value: { [key: string]: RawJson }, limits: DecodeLimits): ColumnValue {
  const scale = integerOf(value.scale);
  if (scale === undefined) throw new ValueError('VariableScaleDecimal without an integer scale');
  return exactDecimal(
    base64(value.value ?? null, 'VariableScaleDecimal value as base64 bytes'),
    { scale: Number(scale), precision: null },
    limits,
  );
}

function decodeStruct(value: RawJson, schema: SchemaNode, limits: DecodeLimits, depth: number): ColumnValue {
  if (!isObject(value)) throw new ValueError(`expected a struct, got ${describe(value)}`);
  if (schema.name === 'io.debezium.data.VariableScaleDecimal') return variableScaleDecimal(value, limits);
  // Other structs (geometry, ranges) have no aggregate meaning yet: keep their JSON text.
  return capped(jsonText(value, limits, depth), limits);
}

/**
 * Decodes a value that came without a schema (schemas.enable=false), from its JSON form alone:
 * a plain integer literal is a bigint, any other number a float (Debezium writes exact values as
 * integers, base64 or strings, so a fraction or exponent only comes from float columns or
 * decimal.handling.mode=double); a {scale, value} struct is a VariableScaleDecimal. A precise
 * Decimal is a base64 string whose scale only the schema knows: it stays a string, and whoever
 * needs it as a number refuses it.
 */
export function decodeLoose(value: RawJson, limits: DecodeLimits, depth = 0): ColumnValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (value === UNAVAILABLE_VALUE || value === UNAVAILABLE_BASE64) return unavailable;
    return capped(value, limits);
  }
  // A parsed double cannot tell 1.0 from 1: loose typing needs the literal's text.
  if (typeof value === 'number') throw new ExactParseNeeded();
  if (value instanceof RawNumber) {
    if (!plainInteger.test(value.text)) return Number(value.text);
    // An integer of any size, so the digit cap bounds BigInt's parse (more than linear in the text).
    const digits = value.text.length - (value.text.startsWith('-') ? 1 : 0);
    if (digits > limits.maxDecimalDigits)
      throw new LimitExceeded(
        `an integer of ${digits} digits, more than the ${limits.maxDecimalDigits} allowed`,
      );
    return BigInt(value.text);
  }
  if (Array.isArray(value)) return decodeArray(value, undefined, limits, depth);
  const { scale, value: bytes } = value;
  if (
    Object.keys(value).length === 2 &&
    scale instanceof RawNumber &&
    plainInteger.test(scale.text) &&
    typeof bytes === 'string' &&
    isBase64(bytes)
  ) {
    return variableScaleDecimal(value, limits);
  }
  return capped(jsonText(value, limits, depth), limits);
}

/** Decodes a row struct (before/after) with its struct schema, or loosely without one. */
export function decodeRow(
  value: RawJson,
  schema: SchemaNode | undefined,
  what: string,
  limits: DecodeLimits,
): Row | null {
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
        row[column] = decodeWithSchema(value[column] ?? null, field, limits);
        decoded += 1;
      }
      if (decoded === Object.keys(value).length) return row;
    }
    for (const name of Object.keys(value)) {
      if (Object.hasOwn(row, name)) continue;
      column = name;
      row[column] = decodeLoose(value[column] ?? null, limits);
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

/**
 * Compact JSON text, numbers as written (RawNumber text), for structs kept as text. `depth`: the
 * arrays and objects the value is inside.
 */
export function jsonText(value: RawJson, limits: DecodeLimits, depth = 0): string {
  if (value instanceof RawNumber) return value.text;
  // A parsed double has lost the literal (1.0 is 1, digits beyond 2^53 are gone).
  if (typeof value === 'number') throw new ExactParseNeeded();
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  checkDepth(depth + 1, limits);
  if (Array.isArray(value)) return `[${value.map((item) => jsonText(item, limits, depth + 1)).join(',')}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item, limits, depth + 1)}`)
    .join(',')}}`;
}
