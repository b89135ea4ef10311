import { count, money } from '../format.ts';
import { useOpenOrders } from '../subscriptions.ts';
import { Panel } from './panel.tsx';

export function OpenOrdersPanel() {
  const { data, error } = useOpenOrders();
  const open = data?.openOrders;
  return (
    <Panel title="Largest open order" testId="open-orders" error={error} freshness={open?.freshness}>
      <p className="big" data-testid="largest">
        {open ? (open.largest === null ? 'none' : money(open.largest)) : '…'}
      </p>
      <p data-testid="summary">{open ? `${count(open.count)} open orders worth ${money(open.value)}` : ''}</p>
    </Panel>
  );
}
