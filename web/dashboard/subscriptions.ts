/**
 * One small hook per panel: its subscription, and the shape of what it is pushed. Decimal and
 * BigInt values arrive as strings (exact); format them, never parse them into floats.
 */
import { useLive } from './live.ts';

export interface Freshness {
  readonly version: string;
  readonly sourceCommitTime: string | null;
  /** Commit of the newest included change → the moment the API pushed this value. */
  readonly lagMs: string | null;
  /** False when the numbers lack records Readout could not apply, or the model stopped. */
  readonly complete: boolean;
  readonly missedRecords: number;
  readonly stopped: string | null;
}
const FRESHNESS = 'freshness { version sourceCommitTime lagMs complete missedRecords stopped }';

export interface OrdersByStatus {
  readonly groups: ReadonlyArray<{ status: string; count: string; revenue: string }>;
  readonly freshness: Freshness;
}
export const useOrdersByStatus = () =>
  useLive<{ ordersByStatus: OrdersByStatus }>(
    `subscription { ordersByStatus { groups { status count revenue } ${FRESHNESS} } }`,
  );

export interface RevenueByHour {
  readonly day: string;
  readonly timeZone: string;
  readonly total: string;
  readonly hours: ReadonlyArray<{ hour: { local: string }; orders: string; revenue: string }>;
  readonly freshness: Freshness;
}
export const useRevenueByHour = (timeZone: string) =>
  useLive<{ revenueByHour: RevenueByHour }>(
    `subscription ($timeZone: String) {
      revenueByHour(timeZone: $timeZone) { day timeZone total hours { hour { local } orders revenue } ${FRESHNESS} }
    }`,
    { timeZone },
  );

export interface TopCustomers {
  readonly customers: ReadonlyArray<{ rank: number; customer: string; revenue: string; orders: string }>;
  readonly freshness: Freshness;
}
export const useTopCustomers = (limit: number) =>
  useLive<{ topCustomers: TopCustomers }>(
    `subscription ($limit: Int) { topCustomers(limit: $limit) { customers { rank customer revenue orders } ${FRESHNESS} } }`,
    { limit },
  );

export interface ShippedPerMinute {
  readonly minutes: ReadonlyArray<{ minute: { start: string }; shipped: string }>;
  readonly freshness: Freshness;
}
export const useShippedPerMinute = (lastMinutes: number) =>
  useLive<{ ordersShippedPerMinute: ShippedPerMinute }>(
    `subscription ($lastMinutes: Int) {
      ordersShippedPerMinute(lastMinutes: $lastMinutes) { minutes { minute { start } shipped } ${FRESHNESS} }
    }`,
    { lastMinutes },
  );

export interface OpenOrders {
  readonly count: string;
  readonly value: string;
  readonly largest: string | null;
  readonly freshness: Freshness;
}
export const useOpenOrders = () =>
  useLive<{ openOrders: OpenOrders }>(`subscription { openOrders { count value largest ${FRESHNESS} } }`);

export interface HeldChange {
  readonly id: string;
  readonly kind: 'DELETES' | 'TRUNCATE';
  readonly table: string;
  readonly rows: number;
  readonly heldSince: string;
}
export const useHeldChanges = () =>
  useLive<{ heldChanges: HeldChange[] }>('subscription { heldChanges { id kind table rows heldSince } }');
