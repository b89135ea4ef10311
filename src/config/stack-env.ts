/**
 * The local stack's variables (stack/env.sh) as the CLI reads them. The stack scripts take ports
 * (READOUT_REDIS_PORT, READOUT_KAFKA_PORT, READOUT_PG_PORT, …) and a shape (READOUT_SHAPE), and
 * env.sh derives from them what Readout's processes read (READOUT_REDIS_URL, READOUT_KAFKA_BROKERS,
 * READOUT_PG_URL, …). `bin/readout` run with only the ports set, beside a stack started with them
 * (the test stack, the scaled shape), used to read the default stack's services instead, silently.
 * It now derives the same settings env.sh would, so both name the same stack; and where a setting
 * and a stack variable both are given and disagree, it refuses, naming both.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** Where each shape's services listen unless a port variable says otherwise (stack/env.sh). */
const SHAPES = {
  single: {
    READOUT_PG_PORT: '54329',
    READOUT_REDIS_PORT: '63790',
    READOUT_KAFKA_PORT: '19092',
    READOUT_API_PORT: '4000',
    READOUT_PROJECTOR_PORT: '4001',
    READOUT_CONNECT_PORT: '18083',
    READOUT_REDIS_CLUSTER_PRIMARIES: '0',
  },
  scaled: {
    READOUT_PG_PORT: '54359',
    READOUT_REDIS_PORT: '16390',
    READOUT_KAFKA_PORT: '19392',
    READOUT_API_PORT: '4100',
    READOUT_PROJECTOR_PORT: '4101',
    READOUT_CONNECT_PORT: '18383',
    READOUT_REDIS_CLUSTER_PRIMARIES: '3',
  },
} as const;

/** A variable as a shell's `${VAR:-default}` sees it: empty is unset. */
function given(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function portOfUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return (
      parsed.port ||
      { redis: '6379', rediss: '6379', postgres: '5432', postgresql: '5432' }[parsed.protocol.slice(0, -1)]
    );
  } catch {
    return undefined; // reported by the configuration's own check of the URL
  }
}

const portsOfList = (list: string) => list.split(',').map((item) => item.trim().split(':').pop() ?? '');
const portsOf = (port: string | undefined) => (port === undefined ? undefined : [port]);

export interface StackEnv {
  /** The environment with the settings env.sh would derive filled in where they were unset. */
  readonly env: Env;
  /** Settings that contradict the stack's variables, one line each with both names. */
  readonly problems: readonly string[];
}

/**
 * Fills in READOUT_KAFKA_BROKERS, READOUT_REDIS_URL, READOUT_REDIS_CLUSTER_NODES, READOUT_PG_URL,
 * READOUT_API_PORT, READOUT_PROJECTOR_PORT and READOUT_CONNECT_URL from the stack's variables exactly as stack/env.sh
 * does (a unit test compares the two). Without any stack variable the result is the defaults of
 * the configuration, as before. Pure.
 */
export function resolveStackEnv(env: Env): StackEnv {
  const shapeName = given(env, 'READOUT_SHAPE') ?? 'single';
  if (shapeName !== 'single' && shapeName !== 'scaled')
    return { env, problems: [`READOUT_SHAPE: expected single or scaled (got ${JSON.stringify(shapeName)})`] };
  const shape = SHAPES[shapeName];
  const stack = (name: keyof typeof shape) => given(env, name) ?? shape[name];
  const redisPort = stack('READOUT_REDIS_PORT');
  const kafkaPort = stack('READOUT_KAFKA_PORT');
  const pgPort = stack('READOUT_PG_PORT');
  const primaries = Number(stack('READOUT_REDIS_CLUSTER_PRIMARIES'));
  const replicas = Number(given(env, 'READOUT_REDIS_CLUSTER_REPLICAS') ?? '1');
  const pg = (name: string, fallback: string) => given(env, `READOUT_PG_${name}`) ?? fallback;
  const clusterNodes =
    primaries > 0 && Number.isInteger(primaries * replicas)
      ? Array.from(
          { length: primaries * (1 + replicas) },
          (_, i) => `127.0.0.1:${Number(redisPort) + i}`,
        ).join(',')
      : undefined;
  const derived: Record<string, string | undefined> = {
    READOUT_KAFKA_BROKERS: given(env, 'READOUT_KAFKA_BROKERS') ?? `127.0.0.1:${kafkaPort}`,
    READOUT_REDIS_URL: given(env, 'READOUT_REDIS_URL') ?? `redis://127.0.0.1:${redisPort}`,
    READOUT_REDIS_CLUSTER_NODES: given(env, 'READOUT_REDIS_CLUSTER_NODES') ?? clusterNodes,
    READOUT_PG_URL:
      given(env, 'READOUT_PG_URL') ??
      `postgres://${pg('USER', 'postgres')}:${pg('PASSWORD', 'postgres')}@${pg('HOST', '127.0.0.1')}:${pgPort}/${pg('DATABASE', 'readout')}`,
    READOUT_API_PORT: stack('READOUT_API_PORT'),
    READOUT_PROJECTOR_PORT: stack('READOUT_PROJECTOR_PORT'),
    READOUT_CONNECT_URL:
      given(env, 'READOUT_CONNECT_URL') ?? `http://127.0.0.1:${stack('READOUT_CONNECT_PORT')}`,
  };

  // Both a setting and the stack's variables given: they must name the same stack. Only asked in
  // a stack's context (a port variable or READOUT_SHAPE set), never of a plain deployment.
  const problems: string[] = [];
  const check = (
    setting: string,
    ports: readonly string[] | undefined,
    service: string,
    portVariable: string,
    port: string,
  ) => {
    const inStack = given(env, portVariable) !== undefined || given(env, 'READOUT_SHAPE') !== undefined;
    if (!inStack || ports === undefined || ports.includes(port)) return;
    const stackSays =
      given(env, portVariable) !== undefined
        ? `${portVariable} puts the stack's ${service} on ${port}`
        : `READOUT_SHAPE=${shapeName} puts the stack's ${service} on ${port}`;
    problems.push(
      `${setting}: names port ${ports.join(', ')}, but ${stackSays}: unset one of them (stack/env.sh and the CLI derive ${setting} from the stack's ports when it is unset)`,
    );
  };
  const nodes = given(env, 'READOUT_REDIS_CLUSTER_NODES');
  const url = given(env, 'READOUT_REDIS_URL');
  const brokers = given(env, 'READOUT_KAFKA_BROKERS');
  const pgUrl = given(env, 'READOUT_PG_URL');
  if (nodes !== undefined)
    check('READOUT_REDIS_CLUSTER_NODES', portsOfList(nodes), 'Redis', 'READOUT_REDIS_PORT', redisPort);
  // With cluster nodes (given or derived) the URL is not used.
  else if (clusterNodes === undefined && url !== undefined)
    check('READOUT_REDIS_URL', portsOf(portOfUrl(url)), 'Redis', 'READOUT_REDIS_PORT', redisPort);
  if (brokers !== undefined)
    check('READOUT_KAFKA_BROKERS', portsOfList(brokers), 'Kafka', 'READOUT_KAFKA_PORT', kafkaPort);
  if (pgUrl !== undefined)
    check('READOUT_PG_URL', portsOf(portOfUrl(pgUrl)), 'PostgreSQL', 'READOUT_PG_PORT', pgPort);
  return { env: { ...env, ...derived }, problems };
}
