import { count } from '../format.ts';
import { useShippedPerMinute } from '../subscriptions.ts';
import { Bars, Panel } from './panel.tsx';

const MINUTES = 30;

/** The last 30 minutes (UTC minutes of the commit), those without shipments at zero. */
export function ShippedPerMinutePanel() {
  const { data, error } = useShippedPerMinute(MINUTES);
  const byMinute = new Map(
    data?.ordersShippedPerMinute.minutes.map((m) => [Date.parse(m.minute.start), m.shipped]) ?? [],
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
  const total = [...byMinute.values()].reduce((sum, n) => sum + BigInt(n), 0n);
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
