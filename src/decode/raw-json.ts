import { parse } from 'lossless-json';

/** A JSON number kept as its source text, so int64 and decimals never pass through a JS number. */
export class RawNumber {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
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

const SCHEMA_START = Buffer.from('{"schema":');
const PAYLOAD_KEY = Buffer.from(',"payload":');
const CLOSING_BRACE = 0x7d;

/** Recently seen schemas, as bytes with their parsed form, newest first. */
const recentSchemas: Array<{ readonly bytes: Buffer; readonly schema: RawJson }> = [];
const RECENT_SCHEMA_LIMIT = 16;

function bytesAt(bytes: Buffer, at: number, expected: Buffer): boolean {
  return (
    bytes.length >= at + expected.length &&
    bytes.compare(expected, 0, expected.length, at, at + expected.length) === 0
  );
}

/**
 * Splits JsonConverter's compact `{"schema":S,"payload":P}`, parsing S with the engine's parser
 * only the first time it is seen: a table's schema is the same in every event and most of its
 * bytes, and the decoder reads no number from it. Recent schemas are matched in place on the raw
 * bytes (a memory comparison: no UTF-8 decoding, copy or hashing of kilobytes per event). Sound
 * because S is only reused, or parsed, when it is a complete JSON value, and then the document can
 * only be that wrapper (P is checked when it is parsed). Returns undefined for any other shape.
 */
export function splitWrapped(bytes: Buffer): Wrapped | undefined {
  if (!bytesAt(bytes, 0, SCHEMA_START) || bytes[bytes.length - 1] !== CLOSING_BRACE) return undefined;
  let recent = recentSchemas.find(
    (candidate) =>
      bytesAt(bytes, SCHEMA_START.length, candidate.bytes) &&
      bytesAt(bytes, SCHEMA_START.length + candidate.bytes.length, PAYLOAD_KEY),
  );
  if (recent === undefined) {
    const at = bytes.indexOf(PAYLOAD_KEY);
    if (at < 0) return undefined;
    // A copy: the record's buffer belongs to the Kafka client.
    const schemaBytes = Buffer.from(bytes.subarray(SCHEMA_START.length, at));
    let schema: RawJson;
    try {
      schema = JSON.parse(schemaBytes.toString('utf8')) as RawJson;
    } catch {
      return undefined; // ',"payload":' inside the schema: not the split point
    }
    recent = { bytes: schemaBytes, schema };
    recentSchemas.unshift(recent);
    if (recentSchemas.length > RECENT_SCHEMA_LIMIT) recentSchemas.pop();
  }
  const payloadStart = SCHEMA_START.length + recent.bytes.length + PAYLOAD_KEY.length;
  return { schema: recent.schema, payloadText: bytes.toString('utf8', payloadStart, bytes.length - 1) };
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
