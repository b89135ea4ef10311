import { count, money } from '../format.ts';
import { useTopCustomers } from '../subscriptions.ts';
import { Panel } from './panel.tsx';

export function TopCustomersPanel() {
  const { data, error } = useTopCustomers(5);
  return (
    <Panel
      title="Top customers by revenue"
      testId="top-customers"
      error={error}
      freshness={data?.topCustomers.freshness}
    >
      <ol className="ranking">
        {data?.topCustomers.customers.map((c) => (
          <li key={c.customer} data-testid={`customer-${c.rank}`}>
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
