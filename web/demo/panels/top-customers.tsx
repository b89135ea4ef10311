import { count } from '../../shared/format.ts';
import { money } from '../money.ts';
import { useLive } from '../../shared/live.ts';
import { Panel } from '../../shared/panel.tsx';
import { TopCustomersDocument } from '../documents.ts';

export function TopCustomersPanel() {
  const { data, error } = useLive(TopCustomersDocument, { limit: 5 });
  return (
    <Panel
      title="Top customers by revenue"
      testId="top-customers"
      error={error}
      freshness={data?.revenueByCustomer.freshness}
    >
      <ol className="ranking">
        {data?.revenueByCustomer.rows.map((c) => (
          <li key={c.customer ?? ''} data-testid={`customer-${c.rank ?? ''}`}>
            <span className="rank">{c.rank}.</span>
            <span className="name">{c.customer}</span>
            <span data-testid="revenue">{money(c.revenue)}</span>
            <small>{count(c.orders)} orders</small>
          </li>
        ))}
      </ol>
    </Panel>
  );
}
