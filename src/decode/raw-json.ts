import { parse } from 'lossless-json';

/** A JSON number kept as its source text, so int64 and decimals never pass through a JS number. */
export class RawNumber {
  constructor(readonly text: string) {}
}

export type RawJson = null | boolean | string | RawNumber | RawJson[] | { [key: string]: RawJson };

/** Parses JSON text keeping every number exact (as a RawNumber). Throws on malformed text. */
export function parseRawJson(text: string): RawJson {
  return parse(text, null, (numberText: string) => new RawNumber(numberText)) as RawJson;
}

export function isObject(value: RawJson | undefined): value is { [key: string]: RawJson } {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawNumber)
  );
}
