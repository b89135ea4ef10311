import { ErrorCode, ReadoutError } from '../errors/index.ts';

/**
 * How long a query waits for Redis. While Redis is away, ioredis holds a command through a few
 * reconnect attempts (up to 2 s apart) before failing it: a client should hear
 * DEPENDENCY_UNAVAILABLE promptly instead.
 */
export const QUERY_REDIS_DEADLINE_MS = 3000;

/** `work`, or DEPENDENCY_UNAVAILABLE once `ms` have passed without its answer. */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ReadoutError(ErrorCode.DependencyUnavailable, `Redis did not answer within ${ms} ms`, {
            retriable: true,
          }),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
