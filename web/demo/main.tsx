/**
 * The demo's hand-made orders page (/demo/), an example of a page of your own: each panel is a
 * GraphQL subscription (no polling) typed by graphql-codegen's client preset (documents.ts, ./gql),
 * made through one client (../shared/graphql-client.ts) and one hook (../shared/live.ts). The
 * generated dashboard (/dashboard/) shows every read model without any of this.
 */
import { createRoot } from 'react-dom/client';
import '../shared/dashboard.css';
import { HeldBanner } from '../shared/held-banner.tsx';
import { useLive } from '../shared/live.ts';
import { StatusBar } from '../shared/status-bar.tsx';
import { OrdersByStatusDocument } from './documents.ts';
import { OpenOrdersPanel } from './panels/open-orders.tsx';
import { OrdersByStatusPanel } from './panels/orders-by-status.tsx';
import { RevenueByHourPanel } from './panels/revenue-by-hour.tsx';
import { ShippedPerMinutePanel } from './panels/shipped-per-minute.tsx';
import { TopCustomersPanel } from './panels/top-customers.tsx';

// The read models' own zone by default; /demo/?timeZone=America/New_York shows another.
const timeZone = new URLSearchParams(window.location.search).get('timeZone') ?? 'Europe/Berlin';

function OrdersPage() {
  // Every order change moves orders-by-status, so its freshness stands for the page.
  const byStatus = useLive(OrdersByStatusDocument);
  return (
    <main>
      <header>
        <h1>Orders, live</h1>
        <StatusBar
          timeZone={timeZone}
          latest={{
            freshness: byStatus.data?.ordersByStatus.freshness,
            receivedAt: byStatus.receivedAt,
            error: byStatus.error,
          }}
        />
      </header>
      <HeldBanner timeZone={timeZone} />
      <div className="grid">
        <OrdersByStatusPanel live={byStatus} />
        <OpenOrdersPanel />
        <TopCustomersPanel />
        <RevenueByHourPanel timeZone={timeZone} />
        <ShippedPerMinutePanel />
      </div>
    </main>
  );
}

const root = document.getElementById('dashboard');
if (root) createRoot(root).render(<OrdersPage />);
