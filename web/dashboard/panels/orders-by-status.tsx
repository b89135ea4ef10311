import { count, money } from '../format.ts';
import { useOrdersByStatus } from '../subscriptions.ts';
import { Panel } from './panel.tsx';

export function OrdersByStatusPanel() {
  const { data, error } = useOrdersByStatus();
  const groups = data?.ordersByStatus.groups ?? [];
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
          {groups.map((group) => (
            <tr key={group.status} data-testid={`status-${group.status}`}>
              <td>{group.status}</td>
              <td data-testid="count">{count(group.count)}</td>
              <td data-testid="revenue">{money(group.revenue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
