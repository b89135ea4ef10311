/**
 * Readout's live order dashboard: every panel is a GraphQL subscription (no polling), made
 * through one client (graphql-client.ts) with one small hook per subscription (subscriptions.ts).
 * Copy those two files and live.ts into your own app to do the same.
 */
import { createRoot } from 'react-dom/client';
import './dashboard.css';
import { HeldBanner } from './panels/held-banner.tsx';
import { OpenOrdersPanel } from './panels/open-orders.tsx';
import { OrdersByStatusPanel } from './panels/orders-by-status.tsx';
import { RevenueByHourPanel } from './panels/revenue-by-hour.tsx';
import { ShippedPerMinutePanel } from './panels/shipped-per-minute.tsx';
import { StatusBar } from './panels/status-bar.tsx';
import { TopCustomersPanel } from './panels/top-customers.tsx';

// The read models' own zone by default; /dashboard/?timeZone=America/New_York shows another.
const timeZone = new URLSearchParams(window.location.search).get('timeZone') ?? 'Europe/Berlin';

function Dashboard() {
  return (
    <main>
      <header>
        <h1>Orders, live</h1>
        <StatusBar timeZone={timeZone} />
      </header>
      <HeldBanner timeZone={timeZone} />
      <div className="grid">
        <OrdersByStatusPanel />
        <OpenOrdersPanel />
        <TopCustomersPanel />
        <RevenueByHourPanel timeZone={timeZone} />
        <ShippedPerMinutePanel />
      </div>
    </main>
  );
}

const root = document.getElementById('dashboard');
if (root) createRoot(root).render(<Dashboard />);
