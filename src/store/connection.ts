import { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  readonly url: string;
  /**
   * Told once per outage (again only after the connection was ready in between): ioredis retries
   * by itself and emits an error per attempt, which would otherwise print as "Unhandled error
   * event". Commands made meanwhile fail on their own with REDIS_UNAVAILABLE.
   */
  readonly onConnectionLost?: (error: Error) => void;
}

/** A Redis connection that reports an outage once instead of once per reconnect attempt. */
export function connectRedis(options: RedisConnectionOptions): Redis {
  return watched(new Redis(options.url, { maxRetriesPerRequest: 3 }), options.onConnectionLost);
}

/** Another connection with the same settings and the same outage report (for SUBSCRIBE). */
export function duplicateRedis(redis: Redis, onConnectionLost?: (error: Error) => void): Redis {
  return watched(redis.duplicate(), onConnectionLost);
}

function watched(redis: Redis, onConnectionLost: ((error: Error) => void) | undefined): Redis {
  let told = false;
  redis.on('error', (error: Error) => {
    if (told) return;
    told = true;
    onConnectionLost?.(error);
  });
  redis.on('ready', () => {
    told = false;
  });
  return redis;
}
