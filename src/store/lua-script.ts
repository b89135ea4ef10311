import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, ReadoutError, describeError, isReadoutError } from '../errors/index.ts';
import { ReplyError } from 'ioredis';
import type { RedisClient } from './connection.ts';

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

const read = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');

/**
 * A Lua script shipped beside this file, with the SHA that EVALSHA names it by. `preludes` are
 * files of shared helpers (local functions) placed before the script's own code, after its
 * shebang line if it has one (Redis reads flags only from the first line).
 */
export function loadLuaScript(file: string, preludes: readonly string[] = []): LuaScript {
  const own = read(file);
  const shebang = own.startsWith('#!') ? own.slice(0, own.indexOf('\n') + 1) : '';
  const source = shebang + preludes.map(read).join('\n') + own.slice(shebang.length);
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

/**
 * Replies Redis gives while it cannot serve for a while (loading, busy with a script, a cluster
 * failing over, out of memory or refusing writes after a failed save until an operator acts, a
 * password or permission not set up yet): worth trying again. Setting records aside for these
 * would only move them to dead letters that cannot be written either.
 */
const transientReply =
  /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|MOVED|ASK|OOM|MISCONF|NOREPLICAS|NOSCRIPT|NOAUTH|WRONGPASS|NOPERM)\b/;

/**
 * A failed Redis call, as the store reports it. No answer (a connection refused, closed or timed
 * out) and the replies above are retriable: the batch is delivered again. Any other reply is
 * Redis's verdict on the command itself (a key of another type, an error inside a script) and
 * would come again: not retriable, so the projector sets the records it concerns aside rather
 * than retry them forever.
 */
export function redisUnavailable(operation: string, error: unknown): ReadoutError {
  // Already said (a reply a codec does not know, say): kept as it is.
  if (isReadoutError(error)) return error;
  const message = describeError(error);
  const answered = error instanceof ReplyError && !transientReply.test(message);
  return new ReadoutError(
    answered ? ErrorCode.StoreRefused : ErrorCode.DependencyUnavailable,
    `Redis ${operation} failed: ${message}`,
    { retriable: !answered, cause: error },
  );
}
