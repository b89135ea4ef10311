import { useEffect, useState } from 'react';
import { client } from './graphql-client.ts';

export interface Live<T> {
  /** The newest value pushed (undefined until the first arrives). */
  readonly data: T | undefined;
  /** A GraphQL error for this subscription, if the last message carried one. */
  readonly error: string | undefined;
  /** When the newest value arrived (browser clock, ms). */
  readonly receivedAt: number | undefined;
}

/**
 * A GraphQL subscription as React state: the server pushes the current value first, then every
 * newer one. No polling anywhere: this is the only way the dashboard gets data.
 */
export function useLive<T>(query: string, variables: Record<string, unknown> = {}): Live<T> {
  const [live, setLive] = useState<Live<T>>({ data: undefined, error: undefined, receivedAt: undefined });
  const key = JSON.stringify(variables);
  useEffect(
    () =>
      client.subscribe<T>(
        { query, variables: JSON.parse(key) as Record<string, unknown> },
        {
          next: ({ data, errors }) =>
            setLive((previous) => ({
              data: data ?? previous.data,
              error: errors?.map((e) => e.message).join('; '),
              receivedAt: Date.now(),
            })),
          error: (error) =>
            setLive((previous) => ({
              ...previous,
              error: error instanceof Error ? error.message : 'failed',
            })),
          complete: () => undefined,
        },
      ),
    [query, key],
  );
  return live;
}
