import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, isReadoutError } from '../errors/index.ts';

export interface ClientErrorOptions {
  /** READOUT_API_DEBUG_ERRORS=on: the cause's own message and its stack trace are shown. */
  readonly debug: boolean;
  /** The code of a GraphQL error that no one gave a code (graphql-js's own refusals). */
  readonly fallbackCode: string;
  /** Told of every exception whose message is masked (for the log). */
  readonly onMasked?: (cause: unknown, code: string) => void;
}

/** What a client is told instead of the message of an exception it was not meant to see. */
const MASKED: Readonly<Record<string, string>> = {
  [ErrorCode.DependencyUnavailable]:
    'Redis, where the read models live, could not be read: try again shortly',
};
const INTERNAL = 'internal error';

/** Extensions that are for the server (Apollo's HTTP head) or for debugging only. */
const PRIVATE_EXTENSIONS = new Set(['http', 'stacktrace', 'exception']);

function publicExtensions(extensions: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extensions).filter(([name]) => !PRIVATE_EXTENSIONS.has(name)));
}

/**
 * The one shape of an error a client sees, on HTTP (Apollo's formatError) and on graphql-ws
 * (its onNext and onError hooks), so a refusal carries the same code on both transports and
 * nothing unexpected leaks:
 * - an error given a code on purpose (ours, graphql-js's wrapped by Apollo, Apollo's own) keeps
 *   its message and the innermost code in its chain: Apollo wraps every validation error as
 *   GRAPHQL_VALIDATION_FAILED, which would hide QUERY_TOO_COMPLEX;
 * - an exception thrown by code (a bug, Redis unreachable) is masked: a fixed message and a code
 *   (the ReadoutError's, else INTERNAL_SERVER_ERROR), never its message, stack or file paths;
 * - graphql-js's own refusals without a code get `fallbackCode`.
 * With `debug`, the cause's message and stack trace are shown as they are.
 */
export function clientError(
  error: unknown,
  { debug, fallbackCode, onMasked }: ClientErrorOptions,
): GraphQLFormattedError {
  const outer =
    error instanceof GraphQLError
      ? error
      : new GraphQLError(error instanceof Error ? error.message : String(error), {
          originalError: error instanceof Error ? error : null,
        });
  let coded: GraphQLError | undefined;
  let cause: unknown = outer;
  while (cause instanceof GraphQLError) {
    if (typeof cause.extensions.code === 'string') coded = cause;
    if (!cause.originalError) break;
    cause = cause.originalError;
  }
  const { locations, path } = outer.toJSON();
  const where = { ...(locations ? { locations } : {}), ...(path ? { path } : {}) };
  const debugging = (thrown: unknown) =>
    debug && thrown instanceof Error && thrown.stack ? { stacktrace: thrown.stack.split('\n') } : {};

  const thrown = !(cause instanceof GraphQLError);
  if (coded && !thrown) {
    return {
      message: outer.message,
      ...where,
      extensions: { ...publicExtensions(coded.extensions), ...debugging(outer) },
    };
  }
  if (!thrown) {
    return {
      message: outer.message,
      ...where,
      extensions: { ...publicExtensions(outer.extensions), code: fallbackCode, ...debugging(outer) },
    };
  }
  // Thrown by code. Apollo gives some of these a code on purpose (a variable's value a scalar
  // refused): the code stands, the message is graphql-js's, which names the variable.
  if (coded && coded.extensions.code !== ErrorCode.InternalServerError) {
    return {
      message: outer.message,
      ...where,
      extensions: { ...publicExtensions(coded.extensions), ...debugging(cause) },
    };
  }
  const code = isReadoutError(cause) ? cause.code : ErrorCode.InternalServerError;
  onMasked?.(cause, code);
  return {
    message: debug ? outer.message : (MASKED[code] ?? INTERNAL),
    ...where,
    extensions: { code, ...debugging(cause) },
  };
}
