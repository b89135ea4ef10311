import {
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '../errors/index.ts';

export type Checked =
  | { readonly document: DocumentNode; readonly errors?: undefined }
  | { readonly document?: undefined; readonly errors: readonly GraphQLError[] };

export interface DocumentCacheOptions {
  readonly schema: GraphQLSchema;
  readonly rules: readonly ValidationRule[];
  readonly maxTokens: number;
  /** Distinct operation texts kept; the least recently used is dropped beyond it. */
  readonly capacity: number;
}

/** The error with `code` unless it has one already: the codes Apollo gives the same refusals on HTTP. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (typeof error.extensions.code === 'string') return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    originalError: error.originalError ?? null,
    extensions: { ...error.extensions, code },
  });
}

/**
 * Parses and validates an operation once per distinct text. Thousands of dashboards send the same
 * few subscriptions: without this each socket kept its own syntax tree (its tokens and locations
 * were most of a subscriber's memory), and each one was validated again. The answer depends only
 * on the text, the schema and the rules, all fixed for one cache (a reloaded schema gets a new
 * cache), so refusals are kept too.
 */
export function createDocumentCache({ schema, rules, maxTokens, capacity }: DocumentCacheOptions) {
  const checked = new Map<string, Checked>();

  function check(text: string): Checked {
    let document: DocumentNode;
    try {
      document = parse(text, { maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [withCode(error, ErrorCode.GraphQLParseFailed)] };
      throw error;
    }
    const errors = validate(schema, document, rules);
    return errors.length > 0
      ? { errors: errors.map((error) => withCode(error, ErrorCode.GraphQLValidationFailed)) }
      : { document };
  }

  return function parseAndValidate(text: string): Checked {
    let entry = checked.get(text);
    if (entry)
      checked.delete(text); // re-inserted below: a Map keeps insertion order
    else entry = check(text);
    checked.set(text, entry);
    if (checked.size > capacity) checked.delete(checked.keys().next().value as string);
    return entry;
  };
}
