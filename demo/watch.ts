import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { formatUnscaled, decimalFromString } from '../src/decode/index.ts';

const SUBSCRIPTION = `subscription {
  ordersByStatus { rows { status orders revenue } freshness { version lagMs } }
}`;

interface Payload {
  ordersByStatus: {
    rows: Array<{ status: string | null; orders: string; revenue: string }>;
    freshness: { version: string; lagMs: string | null };
  };
}

/** "1234567.5" → "1,234,567.50": exact, no float on the way. */
function money(text: string): string {
  const value = decimalFromString(text);
  if (!value) return text;
  const [whole = '0', fraction = '00'] = formatUnscaled(value.unscaled, value.scale).split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction.padEnd(2, '0')}`;
}

/**
 * A terminal client for the demo: subscribes over graphql-ws and prints one line per version.
 * Resolves when the subscription ends (the server went away) or the signal aborts.
 */
export async function watchOrdersByStatus(
  httpUrl: string,
  print: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const client = createClient({ url: httpUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket });
  await new Promise<void>((resolve, reject) => {
    const stop = client.subscribe<Payload>(
      { query: SUBSCRIPTION },
      {
        next: ({ data }) => {
          if (!data) return;
          const { rows, freshness } = data.ordersByStatus;
          const summary = rows.map((g) => `${g.status ?? '-'} ${g.orders} (${money(g.revenue)})`).join(' | ');
          print(`v${freshness.version} ${summary}  [${freshness.lagMs ?? '?'} ms behind]`);
        },
        error: reject,
        complete: resolve,
      },
    );
    signal.addEventListener('abort', () => {
      stop();
      resolve();
    });
  });
  await client.dispose();
}
