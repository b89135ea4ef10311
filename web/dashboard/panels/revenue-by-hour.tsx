import { money } from '../format.ts';
import { useRevenueByHour } from '../subscriptions.ts';
import { Bars, Panel } from './panel.tsx';

/** Today's revenue per hour in `timeZone`: all 24 hours, those without orders at zero. */
export function RevenueByHourPanel(props: { timeZone: string }) {
  const { data, error } = useRevenueByHour(props.timeZone);
  const day = data?.revenueByHour;
  // "2026-11-24T14:00:00+01:00" → hour 14 (a DST day has 23 or 25; one bar per label is enough here).
  const byHour = new Map(day?.hours.map((h) => [h.hour.local.slice(11, 13), h]) ?? []);
  const bars = Array.from({ length: 24 }, (_, i) => {
    const hour = String(i).padStart(2, '0');
    const revenue = byHour.get(hour)?.revenue ?? '0';
    return {
      key: hour,
      label: i % 3 === 0 ? hour : '',
      value: Number(revenue),
      title: `${hour}:00 ${money(revenue)}`,
    };
  });
  return (
    <Panel
      title={`Revenue per hour today (${day?.day ?? '…'}, ${props.timeZone})`}
      testId="revenue-by-hour"
      error={error}
      freshness={day?.freshness}
      wide
    >
      <p className="big" data-testid="total">
        {day ? money(day.total) : '…'}
      </p>
      <Bars bars={bars} />
    </Panel>
  );
}
