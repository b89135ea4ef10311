import { useMemo } from 'react';
import { money, sumDecimals } from '../money.ts';
import { useLive } from '../../shared/live.ts';
import { Bars, Panel } from '../../shared/panel.tsx';
import { RevenueByHourDocument } from '../documents.ts';

const HOURS = 24;
const HOUR_MS = 3_600_000;

/** Revenue per hour over the last 24 hours in `timeZone`, hours without orders at zero. */
export function RevenueByHourPanel(props: { timeZone: string }) {
  // The window starts when the page opens; the subscription then pushes every newer hour too.
  const from = useMemo(
    () => new Date(Math.floor(Date.now() / HOUR_MS - (HOURS - 1)) * HOUR_MS).toISOString(),
    [],
  );
  const { data, error } = useLive(RevenueByHourDocument, { from, timeZone: props.timeZone });
  const rows = data?.revenueByHour.rows ?? [];
  const byStart = new Map(rows.map((row) => [Date.parse(row.hour.start), row]));
  const newest = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const bars = Array.from({ length: HOURS }, (_, i) => {
    const start = newest - (HOURS - 1 - i) * HOUR_MS;
    const row = byStart.get(start);
    const label = row?.hour.local.slice(11, 13) ?? '';
    const revenue = row?.revenue ?? '0';
    return {
      key: String(start),
      label: i % 3 === 0 ? label : '',
      value: Number(revenue),
      title: `${label}:00 ${money(revenue)}`,
    };
  });
  return (
    <Panel
      title={`Revenue per hour, last ${HOURS} hours (${props.timeZone})`}
      testId="revenue-by-hour"
      error={error}
      freshness={data?.revenueByHour.freshness}
      wide
    >
      <p className="big" data-testid="total">
        {data ? money(sumDecimals(rows.map((row) => row.revenue))) : '…'}
      </p>
      <Bars bars={bars} />
    </Panel>
  );
}
