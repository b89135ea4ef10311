import { z } from 'zod';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../decode/index.ts';
import { ErrorCode, ReadoutError } from '../errors/index.ts';
import type { LogFormat } from '../log/logger.ts';
import { resolveStackEnv } from './stack-env.ts';

const hostPort = z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'host:port');
const port = z.coerce.number().int().min(1).max(65535);
const positiveMs = z.coerce.number().int().min(1000).max(600_000);
const identifier = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" or "-"');
const limit = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A comma-separated list (`fallback` when unset), each item checked by `item`. */
function list(item: z.ZodType<string, string>, fallback = '') {
  return z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(z.array(item));
}

/**
 * Every environment variable Readout reads, its default, what it must look like, and what it
 * means (`.describe()`: docs/configuration.md is generated from this schema by
 * describe-config.ts, `npm run docs:config`, and `npm run check` fails when it is stale).
 * Descriptions are Markdown, with links relative to docs/.
 * The defaults match the local stack's ports (stack/env.sh); beside a stack started with other
 * ports, the connection settings are derived from its variables first (stack-env.ts).
 */
export const configSchema = z.object({
  READOUT_KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:19092')
    .transform((value) => value.split(',').map((broker) => broker.trim()))
    .pipe(z.array(hostPort).min(1))
    .describe("Kafka's brokers, a comma-separated `host:port` list."),
  READOUT_KAFKA_CLIENT_ID: identifier.default('readout').describe('Kafka client id.'),
  READOUT_CONSUMER_GROUP: identifier
    .default('readout-projector')
    .describe(
      "The projector's consumer group (a new group reads from the earliest offset). Every projector of one deployment joins it and Kafka assigns them the partitions ([scaling.md](scaling.md)).",
    ),
  READOUT_KAFKA_SESSION_TIMEOUT_MS: positiveMs
    .default(10_000)
    .describe(
      'Consumer session timeout, in milliseconds: a projector stalled for longer loses its partitions to the group ([scaling.md](scaling.md)).',
    ),
  READOUT_TOPIC_PREFIX: identifier
    .default('readout')
    .describe("Debezium's `topic.prefix`: a table's topic is `<prefix>.<schema>.<table>`."),
  READOUT_REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .default('redis://127.0.0.1:63790')
    .describe('Redis holding the read models, a `redis://` or `rediss://` URL.'),
  READOUT_REDIS_CLUSTER_NODES: list(hostPort).describe(
    'Seed nodes of a Redis Cluster, `host:port,…` (any reachable ones); when set, `READOUT_REDIS_URL` is not used. See [scaling.md](scaling.md).',
  ),
  READOUT_KEY_PREFIX: identifier.default('readout').describe('Prefix of every Redis key and channel.'),
  READOUT_API_HOST: z.string().min(1).default('127.0.0.1').describe('Where the API listens: its host.'),
  READOUT_PROJECTOR_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Where the projector serves `/healthz`, `/readyz` and `/metrics`: its host.'),
  READOUT_PROJECTOR_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(4001)
    .describe(
      'Where the projector serves `/healthz`, `/readyz` and `/metrics`: its port (`0`: any free port, logged).',
    ),
  READOUT_API_PORT: port.default(4000).describe('Where the API listens: its port.'),
  READOUT_PG_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://postgres:postgres@127.0.0.1:54329/readout')
    .describe(
      'PostgreSQL, a `postgres://` or `postgresql://` URL: `archive` and `sources` use it (`sources check --apply` runs its fixes with it: an admin role), the demo’s `seed` and `workload` too, and the projector checks at start, when it answers, that the columns the read models name exist ([read-models.md](read-models.md#when-the-source-table-changes)).',
    ),
  READOUT_READMODELS_DIR: z
    .string()
    .min(1)
    .default('readmodels')
    .describe(
      'Folder of read-model definitions (`*.yaml`), relative to the working directory ([read-models.md](read-models.md)).',
    ),
  // `readout sources`: Kafka Connect's REST API, the connector's template (everything but its
  // table list, which the definitions give), and Readout's signal table (docs/onboarding.md).
  READOUT_CONNECT_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://127.0.0.1:18083')
    .describe(
      "Kafka Connect's REST API, where `readout sources check --apply` updates the connector ([onboarding.md](onboarding.md)).",
    ),
  READOUT_CONNECTOR_FILE: z
    .string()
    .min(1)
    .default('stack/connector/readout-connector.json')
    .describe(
      "The connector's template: its configuration without the table list, which the definitions give ([onboarding.md](onboarding.md)).",
    ),
  READOUT_SIGNAL_TABLE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'schema.table (letters, digits, "_")')
    .default('public.readout_signal')
    .describe(
      "Readout's signal table, through which Debezium takes backfill requests (`readout sources check --apply` creates it).",
    ),
  READOUT_MASS_DELETE_ROWS: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000_000)
    .default(1000)
    .describe(
      'A transaction changing at least this many rows of a table, with untagged deletes, is held for a decision (`0`: no guard; per table `massDeleteRows` in `sources.yaml`); see [cleanups.md](cleanups.md).',
    ),
  READOUT_ARCHIVE_ORIGINS: list(
    z.string().regex(/^[A-Za-z0-9_.-]+$/, 'replication origin names: letters, digits, ".", "_" or "-"'),
    'readout-archiver',
  ).describe(
    'Replication origins whose deletes are archival (comma-separated); the archiver tags with the first ([cleanups.md](cleanups.md)).',
  ),
  READOUT_ROW_CACHE_ROWS: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .default(50_000)
    .describe(
      "Rows per lane (the models of a table that share one memory per row) whose last write the projector keeps in memory, so a batch reads from Redis only rows it has not seen (`0`: off). The apply script still checks every row's position, so a stale entry costs a retry, never a wrong number.",
    ),
  READOUT_MAX_RECORD_BYTES: limit(1, 2 ** 31 - 1)
    .default(DEFAULT_DECODE_LIMITS.maxRecordBytes)
    .describe(
      'A Kafka record whose key and value together are larger is dead-lettered unread (the default is 8 MiB); see [decisions.md](decisions.md#decoding-limits).',
    ),
  READOUT_MAX_DECIMAL_DIGITS: limit(1, 1_000_000)
    .default(DEFAULT_DECODE_LIMITS.maxDecimalDigits)
    .describe(
      "Digits of one decimal (the default is PostgreSQL's largest declared precision); more is dead-lettered.",
    ),
  READOUT_MAX_STRING_BYTES: limit(1, 2 ** 31 - 1)
    .default(DEFAULT_DECODE_LIMITS.maxStringBytes)
    .describe(
      "UTF-8 bytes of one string value (text, json, a bytea's base64, a string-mode decimal; the default is 1 MiB); more is dead-lettered.",
    ),
  READOUT_MAX_NESTING_DEPTH: limit(1, 1000)
    .default(DEFAULT_DECODE_LIMITS.maxDepth)
    .describe('Arrays and objects nested inside one column value; deeper is dead-lettered.'),
  READOUT_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('The least severe level logged, `fatal` … `trace`, or `silent` for none.'),
  READOUT_LOG_FORMAT: z
    .enum(['json', 'text'])
    .optional()
    .describe(
      'One log format for every process: JSON lines or readable text. Unset: the projector and the API write JSON lines (readable lines in a terminal), the commands a person runs write short readable lines (JSON lines with `--json`); see [operating.md](operating.md#logs).',
    ),
  READOUT_API_AUTH: z
    .enum(['keys', 'off'])
    .default('keys')
    .describe(
      '`keys`: every GraphQL request needs an API key; `off`: none (the local stack sets `off`). See [api.md](api.md#authentication).',
    ),
  READOUT_API_KEYS: list(z.string().min(16, 'API keys of at least 16 characters')).describe(
    'Comma-separated API keys, 16+ characters each; the API refuses to start with `READOUT_API_AUTH=keys` and none.',
  ),
  READOUT_API_INTROSPECTION: z
    .enum(['on', 'off'])
    .default('off')
    .describe(
      '`on` allows introspection and "Did you mean" suggestions (the local stack sets `on`; GraphiQL needs it).',
    ),
  READOUT_API_DEBUG_ERRORS: z
    .enum(['on', 'off'])
    .default('off')
    .describe(
      "`on` shows the causes of unexpected errors and stack traces in error responses (a developer's machine only; see [api.md](api.md#errors)).",
    ),
  READOUT_API_MAX_DEPTH: limit(1, 100)
    .default(10)
    .describe(
      'Depth of nested fields per request, on HTTP and WebSocket ([api.md](api.md#limits-each-refused-before-execution)).',
    ),
  READOUT_API_MAX_ALIASES: limit(0, 1000).default(30).describe('Aliases per request, on HTTP and WebSocket.'),
  READOUT_API_MAX_TOKENS: limit(10, 100_000)
    .default(2000)
    .describe('Tokens per request, on HTTP and WebSocket (refused while parsing).'),
  READOUT_API_MAX_COST: limit(1, 100_000)
    .default(500)
    .describe('Cost per request, on HTTP and WebSocket: the number of fields selected, fragments expanded.'),
  READOUT_API_MAX_SUBSCRIPTIONS_PER_SOCKET: limit(1, 10_000)
    .default(25)
    .describe('Subscriptions per graphql-ws socket; one more closes the socket with 4601.'),
  READOUT_API_MAX_CONNECTIONS: limit(1, 1_000_000)
    .default(20_000)
    .describe('WebSockets per API process; one more is closed with 1013.'),
  READOUT_API_ALLOWED_ORIGINS: list(z.url({ protocol: /^https?$/ })).describe(
    "Browser origins (`http://` or `https://`, such as `https://dash.example.com`; comma-separated) allowed to open a WebSocket besides the API's own ([api.md](api.md#origin-check)).",
  ),
  READOUT_API_SLOW_CLIENT_BYTES: limit(1024, 1 << 30)
    .default(1 << 20)
    .describe('A socket with more unsent bytes than this is closed with 4600 (the default is 1 MiB).'),
  READOUT_API_COALESCE_MS: limit(0, 60_000)
    .default(100)
    .describe('At most one pushed message per subscription per this many milliseconds (the newest value).'),
  READOUT_API_KEEPALIVE_MS: limit(0, 600_000)
    .default(12_000)
    .describe(
      'The API pings each WebSocket this often, in milliseconds; one that has not answered the previous ping is dropped (1006 at the client); `0` never pings.',
    ),
});

export interface ApiLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  /** Fields selected, fragments expanded. */
  readonly maxCost: number;
  readonly maxSubscriptionsPerSocket: number;
  readonly maxConnections: number;
  /** A socket whose unsent bytes exceed this is closed (a subscriber that does not read). */
  readonly slowClientBytes: number;
  /** Ping every this many ms; a socket that has not answered the previous ping by then is dropped (0: never). */
  readonly keepAliveMs: number;
}

export interface ReadoutConfig {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly consumerGroup: string;
    readonly sessionTimeoutMs: number;
    readonly topicPrefix: string;
  };
  readonly redis: {
    readonly url: string;
    /** A Redis Cluster's seed nodes (empty: the single Redis at `url`). */
    readonly clusterNodes: readonly { readonly host: string; readonly port: number }[];
    readonly keyPrefix: string;
  };
  /** Where the projector serves /healthz, /readyz and /metrics (port 0: any free port). */
  readonly projector: { readonly host: string; readonly port: number };
  readonly api: {
    readonly host: string;
    readonly port: number;
    /** Null: no authentication (the local demo). Empty: keys required but none given (the API refuses to start). */
    readonly apiKeys: readonly string[] | null;
    readonly introspection: boolean;
    /**
     * Error responses carry stack traces and the messages of unexpected errors (a developer's
     * switch). Off: an unexpected error is "internal error" with a code, and no stack or path.
     */
    readonly debugErrors: boolean;
    readonly limits: ApiLimits;
    /** Browser origins allowed to open a WebSocket, besides the API's own. */
    readonly allowedOrigins: readonly string[];
    readonly coalesceMs: number;
  };
  readonly postgres: { readonly url: string };
  /** What `readout sources` needs to change the capture (docs/onboarding.md). */
  readonly capture: {
    /** Kafka Connect's REST API. */
    readonly connectUrl: string;
    /** The connector's configuration without its table list: `{ name, config }` JSON. */
    readonly connectorFile: string;
    /** `schema.table` of the table Debezium takes signals from (incremental snapshots). */
    readonly signalTable: string;
  };
  /** Folder of read-model definitions (*.yaml), relative to the working directory. */
  readonly readModelsDir: string;
  readonly cleanup: {
    /**
     * A transaction that changes at least this many rows of a table and deletes some without an
     * archival tag is held (0: no guard; per-table override in sources.yaml).
     */
    readonly massDeleteRows: number;
    /** Replication origins whose deletes are archival. */
    readonly archiveOrigins: readonly string[];
  };
  /** Rows per lane whose last write the projector keeps in memory (0: read Redis every batch). */
  readonly rowCacheRows: number;
  /** What a record may hold before it is refused (dead-lettered) instead of decoded. */
  readonly decode: DecodeLimits;
  readonly logLevel: z.infer<typeof configSchema>['READOUT_LOG_LEVEL'];
  /** How log lines look (src/log/logger.ts); `auto` unless READOUT_LOG_FORMAT says otherwise. */
  readonly logFormat: LogFormat;
}

/**
 * Validates the environment once, reporting every problem at once with the variable's name
 * and what was expected. Pure: reads only the object it is given.
 */
export function loadConfig(given: Readonly<Record<string, string | undefined>>): ReadoutConfig {
  // Beside a local stack, the settings its ports imply (stack-env.ts).
  const { env, problems: stackProblems } = resolveStackEnv(given);
  const parsed = configSchema.safeParse(env);
  if (!parsed.success || stackProblems.length > 0) {
    const problems = [
      ...(parsed.error?.issues ?? []).map((issue) => {
        const variable = issue.path.filter((part) => typeof part === 'string')[0] ?? '(environment)';
        return `${variable}: ${issue.message} (got ${JSON.stringify(env[variable])})`;
      }),
      ...stackProblems,
    ];
    throw new ReadoutError(ErrorCode.ConfigInvalid, `Invalid configuration:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  const v = parsed.data;
  return {
    kafka: {
      brokers: v.READOUT_KAFKA_BROKERS,
      clientId: v.READOUT_KAFKA_CLIENT_ID,
      consumerGroup: v.READOUT_CONSUMER_GROUP,
      sessionTimeoutMs: v.READOUT_KAFKA_SESSION_TIMEOUT_MS,
      topicPrefix: v.READOUT_TOPIC_PREFIX,
    },
    redis: {
      url: v.READOUT_REDIS_URL,
      clusterNodes: v.READOUT_REDIS_CLUSTER_NODES.map((node) => {
        const at = node.lastIndexOf(':');
        return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
      }),
      keyPrefix: v.READOUT_KEY_PREFIX,
    },
    projector: { host: v.READOUT_PROJECTOR_HOST, port: v.READOUT_PROJECTOR_PORT },
    api: {
      host: v.READOUT_API_HOST,
      port: v.READOUT_API_PORT,
      apiKeys: v.READOUT_API_AUTH === 'off' ? null : v.READOUT_API_KEYS,
      introspection: v.READOUT_API_INTROSPECTION === 'on',
      debugErrors: v.READOUT_API_DEBUG_ERRORS === 'on',
      limits: {
        maxDepth: v.READOUT_API_MAX_DEPTH,
        maxAliases: v.READOUT_API_MAX_ALIASES,
        maxTokens: v.READOUT_API_MAX_TOKENS,
        maxCost: v.READOUT_API_MAX_COST,
        maxSubscriptionsPerSocket: v.READOUT_API_MAX_SUBSCRIPTIONS_PER_SOCKET,
        maxConnections: v.READOUT_API_MAX_CONNECTIONS,
        slowClientBytes: v.READOUT_API_SLOW_CLIENT_BYTES,
        keepAliveMs: v.READOUT_API_KEEPALIVE_MS,
      },
      allowedOrigins: v.READOUT_API_ALLOWED_ORIGINS,
      coalesceMs: v.READOUT_API_COALESCE_MS,
    },
    postgres: { url: v.READOUT_PG_URL },
    capture: {
      connectUrl: v.READOUT_CONNECT_URL,
      connectorFile: v.READOUT_CONNECTOR_FILE,
      signalTable: v.READOUT_SIGNAL_TABLE,
    },
    readModelsDir: v.READOUT_READMODELS_DIR,
    cleanup: { massDeleteRows: v.READOUT_MASS_DELETE_ROWS, archiveOrigins: v.READOUT_ARCHIVE_ORIGINS },
    rowCacheRows: v.READOUT_ROW_CACHE_ROWS,
    decode: {
      maxRecordBytes: v.READOUT_MAX_RECORD_BYTES,
      maxDecimalDigits: v.READOUT_MAX_DECIMAL_DIGITS,
      maxStringBytes: v.READOUT_MAX_STRING_BYTES,
      maxDepth: v.READOUT_MAX_NESTING_DEPTH,
    },
    logLevel: v.READOUT_LOG_LEVEL,
    logFormat: v.READOUT_LOG_FORMAT ?? 'auto',
  };
}
