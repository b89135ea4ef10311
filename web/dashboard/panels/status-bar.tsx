import { useEffect, useState } from 'react';
import { clock } from '../format.ts';
import { useConnection } from '../graphql-client.ts';
import { useOrdersByStatus } from '../subscriptions.ts';

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

/**
 * The socket's state and how current the numbers are. Every order change moves orders-by-status,
 * so its freshness stands for the page (the API runs identical subscriptions once: no extra cost).
 */
export function StatusBar(props: { timeZone: string }) {
  const connection = useConnection();
  const { data, error, receivedAt } = useOrdersByStatus();
  const now = useNow(1000);
  const freshness = data?.ordersByStatus.freshness;
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
