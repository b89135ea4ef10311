import { useEffect, useState } from 'react';
import type { Freshness } from './freshness.ts';
import { clock } from './format.ts';
import { useConnection } from './graphql-client.ts';

/** With no push for this long the page says so: the source may be quiet, or the pipeline stopped. */
const STALE_AFTER_MS = 30_000;

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** The newest push a page has: its freshness, when it arrived, and a refusal if it carried one. */
export interface LatestPush {
  readonly freshness: Pick<Freshness, 'lagMs' | 'sourceCommitTime'> | undefined;
  readonly receivedAt: number | undefined;
  readonly error: string | undefined;
}

/** The socket's state and how current the numbers are, from the page's newest push. */
export function StatusBar(props: { timeZone: string; latest: LatestPush }) {
  const connection = useConnection();
  const { freshness, error, receivedAt } = props.latest;
  const now = useNow(1000);
  const quietMs = receivedAt === undefined ? 0 : now - receivedAt;
  const asOf = freshness?.sourceCommitTime ? clock(freshness.sourceCommitTime, props.timeZone) : '…';
  let text: string;
  let state: string = connection;
  if (connection === 'connecting') text = 'Connecting…';
  else if (connection === 'live' && error) {
    state = 'not-ready';
    text = `Not ready: ${error}`;
  } else if (connection === 'reconnecting') text = `Reconnecting… the numbers below are as of ${asOf}`;
  else if (quietMs > STALE_AFTER_MS) {
    state = 'stale';
    text = `No update for ${Math.round(quietMs / 1000)} s: the source may be quiet, or the pipeline has stopped`;
  } else
    text = `Live · ${freshness?.lagMs ?? '…'} ms behind the database · as of ${asOf} (${props.timeZone})`;
  return (
    <p className={`status ${state}`} data-testid="connection" data-state={state}>
      {text}
    </p>
  );
}
