import { parse } from 'lossless-json';

/** A JSON number kept as its source text, so int64 and decimals never pass through a JS number. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/**
 * A parsed JSON document. Numbers are RawNumbers when parsed exactly (parseExactJson), plain JS
 * numbers when parsed fast (parseFastJson); the decoder accepts both and decides per field whether
 * a JS number is good enough (see ExactParseNeeded).
 */
export type RawJson = null | boolean | string | number | RawNumber | RawJson[] | { [key: string]: RawJson };

/** Parses JSON text keeping every number exact (as a RawNumber). Throws on malformed text. */
export function parseExactJson(text: string): RawJson {
  return parse(text, null, (numberText: string) => new RawNumber(numberText)) as RawJson;
}

/** JsonConverter's wrapper with schemas enabled, its schema parsed and its payload still text. */
export interface Wrapped {
  readonly schema: RawJson;
  readonly payloadText: string;
}

const SCHEMA_START = '{"schema":';
const PAYLOAD_KEY = ',"payload":';
const schemaCache = new Map<string, RawJson>();
const SCHEMA_CACHE_LIMIT = 256;

/**
 * Splits JsonConverter's compact `{"schema":S,"payload":P}`, parsing S with the engine's parser
 * only the first time it is seen: a table's schema is the same text in every event and most of its
 * bytes, and the decoder reads no number from it. Sound because S is only taken from the cache, or
 * parsed, when it is a complete JSON value, and then the text can only be that wrapper (P is
 * checked when it is parsed). Returns undefined for any other shape.
 */
export function splitWrapped(text: string): Wrapped | undefined {
  if (!text.startsWith(SCHEMA_START) || !text.endsWith('}')) return undefined;
  const at = text.indexOf(PAYLOAD_KEY);
  if (at < 0) return undefined;
  const schemaText = text.slice(SCHEMA_START.length, at);
  let schema = schemaCache.get(schemaText);
  if (schema === undefined) {
    try {
      schema = JSON.parse(schemaText) as RawJson;
    } catch {
      return undefined; // ',"payload":' inside the schema: not the split point
    }
    if (schemaCache.size >= SCHEMA_CACHE_LIMIT) schemaCache.clear();
    schemaCache.set(schemaText, schema);
  }
  return { schema, payloadText: text.slice(at + PAYLOAD_KEY.length, -1) };
}

/**
 * Thrown while decoding a fast-parsed document when a field needs a number that a double cannot
 * hold exactly (an integer beyond 2^53): the caller decodes the record again from parseExactJson.
 */
export class ExactParseNeeded extends Error {}

export function isObject(value: RawJson | undefined): value is { [key: string]: RawJson } {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawNumber)
  );
}
