import { count } from '../../shared/format.ts';
import { money } from '../money.ts';
import { useLive } from '../../shared/live.ts';
import { Panel } from '../../shared/panel.tsx';
import { OpenOrdersDocument } from '../documents.ts';

export function OpenOrdersPanel() {
  const { data, error } = useLive(OpenOrdersDocument);
  // A model without dimensions answers exactly one row.
  const open = data?.openOrders.rows[0];
  return (
    <Panel
      title="Largest open order"
      testId="open-orders"
      error={error}
      freshness={data?.openOrders.freshness}
    >
      <p className="big" data-testid="largest">
        {open ? (open.largest === null || open.largest === undefined ? 'none' : money(open.largest)) : '…'}
      </p>
      <p data-testid="summary">
        {open ? `${count(open.orders)} open orders worth ${money(open.value)}` : ''}
      </p>
    </Panel>
  );
}
