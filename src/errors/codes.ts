/**
 * Every error code Readout reports, in one place. A code is stable: logs, dead letters and
 * GraphQL errors carry it, and scripts may branch on it.
 */
export const ErrorCode = {
  /** Configuration from the environment is missing or malformed. */
  ConfigInvalid: 'CONFIG_INVALID',
  /** A Kafka record that can never be decoded (bad JSON, unknown envelope, undecodable value). */
  EventMalformed: 'EVENT_MALFORMED',
  /** A decoded event Readout deliberately does not apply yet (it is dead-lettered, not dropped). */
  EventUnsupported: 'EVENT_UNSUPPORTED',
  /** Another writer changed a row's stored position between our read and our write. */
  StoreConflict: 'STORE_CONFLICT',
  /** A read model has no data yet, or is replaying what Redis lost: its numbers would be wrong. */
  ReadModelNotReady: 'READ_MODEL_NOT_READY',
  /** A read model's stored numbers were computed with another definition than its file's: rebuild it. */
  ReadModelStale: 'READ_MODEL_STALE',
  /** Redis lost writes a batch builds on (a failover promoted a replica that lacked them). */
  StoreLostWrites: 'STORE_LOST_WRITES',
  /** A read model was rebuilt into a new generation while a writer still wrote the old one. */
  GenerationMoved: 'GENERATION_MOVED',
  /**
   * Redis refused a batch for a reason that would refuse it again (a key of another type, a
   * stored value that is not an integer): the records it refused are dead-lettered for the model.
   */
  StoreRefused: 'STORE_REFUSED',
  /**
   * A read model's source no longer sends a column it reads (dropped or renamed), or sends it with
   * another type: the model stops taking changes until its definition is fixed and it is rebuilt.
   */
  SourceSchemaChanged: 'SOURCE_SCHEMA_CHANGED',
  /** A rebuild could not produce a generation as complete as the one it replaces: readers stay. */
  RebuildFailed: 'REBUILD_FAILED',
  /** A record whose application kept failing for an unforeseen reason: set aside after a few tries. */
  RecordFailed: 'RECORD_FAILED',
  /**
   * A Redis script answered what this version of Readout does not know (a script and its codec out
   * of step, a key edited by hand): nothing is guessed from it.
   */
  StoreProtocol: 'STORE_PROTOCOL',
  /** Redis or Kafka was unreachable or failed a command; retrying may succeed. */
  DependencyUnavailable: 'DEPENDENCY_UNAVAILABLE',

  // The GraphQL API's refusals (`extensions.code`), the same on HTTP and graphql-ws
  // (docs/api.md). Where Apollo Server has a name for one, it is Apollo's.
  /** No or an unknown API key (HTTP 401; graphql-ws closes with 4403 instead). */
  Unauthenticated: 'UNAUTHENTICATED',
  /** Depth, aliases or cost over the limits (READOUT_API_MAX_*). */
  QueryTooComplex: 'QUERY_TOO_COMPLEX',
  /** Not GraphQL, or more tokens than READOUT_API_MAX_TOKENS. */
  GraphQLParseFailed: 'GRAPHQL_PARSE_FAILED',
  /** Not valid against the schema (an unknown field, introspection while it is off, …). */
  GraphQLValidationFailed: 'GRAPHQL_VALIDATION_FAILED',
  /** An argument or variable that cannot be answered; `extensions.argumentName` names it. */
  BadUserInput: 'BAD_USER_INPUT',
  /** A request that is not a GraphQL request (bad JSON, too large a body, no operation). */
  BadRequest: 'BAD_REQUEST',
  /** `aggregate` named a read model that no definition file defines. */
  ReadModelUndefined: 'READ_MODEL_UNDEFINED',
  /** Anything unexpected: the message says only this unless READOUT_API_DEBUG_ERRORS=on. */
  InternalServerError: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
