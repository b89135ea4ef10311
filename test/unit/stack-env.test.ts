import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { resolveStackEnv } from '../../src/config/stack-env.ts';
import { ReadoutError } from '../../src/errors/index.ts';

const DERIVED = [
  'READOUT_KAFKA_BROKERS',
  'READOUT_REDIS_URL',
  'READOUT_REDIS_CLUSTER_NODES',
  'READOUT_PG_URL',
  'READOUT_API_PORT',
  'READOUT_PROJECTOR_PORT',
  'READOUT_CONNECT_URL',
] as const;

/** What stack/env.sh exports for these variables, sourced in a shell with nothing else of ours. */
function envSh(variables: Record<string, string>): Record<string, string> {
  const script = `source stack/env.sh >/dev/null; ${DERIVED.map((name) => `printf '%s=%s\\n' ${name} "\${${name}:-}"`).join('; ')}`;
  const output = execFileSync('bash', ['-c', script], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...variables },
    encoding: 'utf8',
  });
  const pairs = output
    .trim()
    .split('\n')
    .map((line): [string, string] => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)];
    });
  return Object.fromEntries(pairs);
}

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ReadoutError);
    expect((error as ReadoutError).code).toBe('CONFIG_INVALID');
    return (error as ReadoutError).message;
  }
  throw new Error('the configuration was accepted');
}

describe('the CLI beside a local stack (stack/env.sh)', () => {
  it('without any stack variable: the defaults, and a deployment’s own settings, as before', () => {
    const defaults = loadConfig({});
    expect(defaults.redis).toMatchObject({ url: 'redis://127.0.0.1:63790', clusterNodes: [] });
    expect(defaults.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(defaults.api.port).toBe(4000);
    const compose = loadConfig({
      READOUT_REDIS_URL: 'redis://redis:6379',
      READOUT_KAFKA_BROKERS: 'kafka:9092',
    });
    expect(compose.redis.url).toBe('redis://redis:6379');
    expect(compose.kafka.brokers).toEqual(['kafka:9092']);
  });

  it("with only the test stack's ports: that stack's Redis, Kafka and PostgreSQL, not the default one's", () => {
    const config = loadConfig({
      READOUT_REDIS_PORT: '63791',
      READOUT_KAFKA_PORT: '19192',
      READOUT_PG_PORT: '54339',
    });
    expect(config.redis.url).toBe('redis://127.0.0.1:63791');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19192']);
    expect(config.postgres.url).toBe('postgres://postgres:postgres@127.0.0.1:54339/readout');
  });

  it('with READOUT_SHAPE=scaled: its Redis Cluster, Kafka and first API', () => {
    const config = loadConfig({ READOUT_SHAPE: 'scaled' });
    expect(config.redis.clusterNodes.map((node) => node.port)).toEqual([
      16390, 16391, 16392, 16393, 16394, 16395,
    ]);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19392']);
    expect(config.api.port).toBe(4100);
  });

  it('refuses a setting that names another stack than the stack variables, naming both', () => {
    // What a shell that sourced env.sh for the default stack, then was given the test stack's port, holds.
    const redis = problemsOf({ READOUT_REDIS_URL: 'redis://127.0.0.1:63790', READOUT_REDIS_PORT: '63791' });
    expect(redis).toMatch(
      /READOUT_REDIS_URL: names port 63790, but READOUT_REDIS_PORT puts the stack's Redis on 63791/,
    );
    const all = problemsOf({
      READOUT_SHAPE: 'scaled',
      READOUT_KAFKA_BROKERS: '127.0.0.1:19092',
      READOUT_PG_URL: 'postgres://postgres:postgres@127.0.0.1:54329/readout',
    });
    expect(all).toMatch(/READOUT_KAFKA_BROKERS: .*READOUT_SHAPE=scaled puts the stack's Kafka on 19392/);
    expect(all).toMatch(/READOUT_PG_URL: .*READOUT_SHAPE=scaled puts the stack's PostgreSQL on 54359/);
    expect(problemsOf({ READOUT_SHAPE: 'huge' })).toMatch(/READOUT_SHAPE: expected single or scaled/);
  });

  it('accepts settings and stack variables that agree (a shell that sourced env.sh)', () => {
    const sourced = envSh({
      READOUT_REDIS_PORT: '63791',
      READOUT_KAFKA_PORT: '19192',
      READOUT_PG_PORT: '54339',
    });
    const config = loadConfig({
      READOUT_REDIS_PORT: '63791',
      READOUT_KAFKA_PORT: '19192',
      READOUT_PG_PORT: '54339',
      ...sourced,
    });
    expect(config.redis.url).toBe('redis://127.0.0.1:63791');
  });

  it.each<Record<string, string>>([
    {},
    { READOUT_REDIS_PORT: '63791', READOUT_KAFKA_PORT: '19192', READOUT_PG_PORT: '54339' },
    { READOUT_SHAPE: 'scaled' },
    { READOUT_SHAPE: 'scaled', READOUT_REDIS_PORT: '16490', READOUT_API_PORT: '4200' },
    {
      READOUT_REDIS_CLUSTER_PRIMARIES: '3',
      READOUT_REDIS_CLUSTER_REPLICAS: '0',
      READOUT_REDIS_PORT: '17000',
    },
    {
      READOUT_PG_HOST: 'db.local',
      READOUT_PG_USER: 'me',
      READOUT_PG_PASSWORD: 'pw',
      READOUT_PG_DATABASE: 'x',
    },
    { READOUT_REDIS_URL: 'redis://10.0.0.1:6379', READOUT_KAFKA_BROKERS: 'k:9092' },
  ])('derives what stack/env.sh derives from %j', (variables) => {
    const derived = resolveStackEnv(variables).env;
    expect(Object.fromEntries(DERIVED.map((name) => [name, derived[name] ?? '']))).toEqual(envSh(variables));
  });
});
