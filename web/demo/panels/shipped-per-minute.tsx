import { useMemo } from 'react';
import { count } from '../../shared/format.ts';
import { useLive } from '../../shared/live.ts';
import { Bars, Panel } from '../../shared/panel.tsx';
import { ShippedPerMinuteDocument } from '../documents.ts';

const MINUTES = 30;

/** The last 30 minutes (UTC minutes of the commit), those without shipments at zero. */
export function ShippedPerMinutePanel() {
  const from = useMemo(
    () => new Date((Math.floor(Date.now() / 60_000) - MINUTES + 1) * 60_000).toISOString(),
    [],
  );
  const { data, error } = useLive(ShippedPerMinuteDocument, { from });
  const byMinute = new Map(
    data?.ordersShippedPerMinute.rows.map((m) => [Date.parse(m.minute.start), m.shipped]) ?? [],
  );
  const newest = Math.floor(Date.now() / 60_000) * 60_000;
  const bars = Array.from({ length: MINUTES }, (_, i) => {
    const start = newest - (MINUTES - 1 - i) * 60_000;
    const shipped = byMinute.get(start) ?? '0';
    const label = new Date(start).toISOString().slice(11, 16);
    return {
      key: String(start),
      label: i % 10 === 9 ? label : '',
      value: Number(shipped),
      title: `${label} UTC: ${count(shipped)}`,
    };
  });
  const total = bars.reduce((sum, bar) => sum + BigInt(byMinute.get(Number(bar.key)) ?? '0'), 0n);
  return (
    <Panel
      title={`Orders shipped per minute (last ${MINUTES} min, UTC)`}
      testId="shipped-per-minute"
      error={error}
      freshness={data?.ordersShippedPerMinute.freshness}
      wide
    >
      <p className="big" data-testid="total">
        {count(String(total))} shipped
      </p>
      <Bars bars={bars} />
    </Panel>
  );
}
