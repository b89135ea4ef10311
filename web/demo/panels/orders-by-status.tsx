import { count } from '../../shared/format.ts';
import { money } from '../money.ts';
import type { Live } from '../../shared/live.ts';
import { Panel } from '../../shared/panel.tsx';
import type { OrdersByStatusSubscription } from '../gql/graphql.ts';

export function OrdersByStatusPanel(props: { live: Live<OrdersByStatusSubscription> }) {
  const { data, error } = props.live;
  const rows = data?.ordersByStatus.rows ?? [];
  return (
    <Panel
      title="Orders and revenue by status"
      testId="orders-by-status"
      error={error}
      freshness={data?.ordersByStatus.freshness}
    >
      <table>
        <thead>
          <tr>
            <th>Status</th>
            <th>Orders</th>
            <th>Revenue</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.status ?? ''} data-testid={`status-${row.status ?? ''}`}>
              <td>{row.status}</td>
              <td data-testid="count">{count(row.orders)}</td>
              <td data-testid="revenue">{money(row.revenue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
