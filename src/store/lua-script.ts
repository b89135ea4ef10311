import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, ReadoutError, describeError } from '../errors/index.js';
import type { RedisClient } from './connection.js';

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** A Lua script shipped beside this file, with the SHA that EVALSHA names it by. */
export function loadLuaScript(file: string): LuaScript {
  const source = readFileSync(new URL(file, import.meta.url), 'utf8');
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Runs a script by SHA, sending its source once when Redis does not know it (a restart, a flush). */
export async function runLuaScript(
  redis: RedisClient,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!describeError(error).includes('NOSCRIPT')) throw error;
    return await redis.eval(script.source, keys.length, ...keys, ...args);
  }
}

/** A failed Redis call, as the store reports it: retriable (the batch is delivered again). */
export function redisUnavailable(operation: string, error: unknown): ReadoutError {
  return new ReadoutError(
    ErrorCode.DependencyUnavailable,
    `Redis ${operation} failed: ${describeError(error)}`,
    {
      retriable: true,
      cause: error,
    },
  );
}
