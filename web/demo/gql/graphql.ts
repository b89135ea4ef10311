/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type PanelFreshnessFragment = { version: string, sourceCommitTime: string | null, lagMs: string | null, complete: boolean, missedRecords: number, stopped: string | null };

export type OrdersByStatusSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type OrdersByStatusSubscription = { ordersByStatus: { rows: Array<{ status: string | null, orders: string, revenue: string }>, freshness: { version: string, sourceCommitTime: string | null, lagMs: string | null, complete: boolean, missedRecords: number, stopped: string | null } } };

export type OpenOrdersSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type OpenOrdersSubscription = { openOrders: { rows: Array<{ orders: string, value: string, largest: string | null }>, freshness: { version: string, sourceCommitTime: string | null, lagMs: string | null, complete: boolean, missedRecords: number, stopped: string | null } } };

export type TopCustomersSubscriptionVariables = Exact<{
  limit?: number | null | undefined;
}>;


export type TopCustomersSubscription = { revenueByCustomer: { rows: Array<{ rank: number | null, customer: string | null, revenue: string, orders: string }>, freshness: { version: string, sourceCommitTime: string | null, lagMs: string | null, complete: boolean, missedRecords: number, stopped: string | null } } };

export type RevenueByHourSubscriptionVariables = Exact<{
  from?: string | null | undefined;
  timeZone?: string | null | undefined;
}>;


export type RevenueByHourSubscription = { revenueByHour: { rows: Array<{ orders: string, revenue: string, hour: { start: string, local: string } }>, freshness: { version: string, sourceCommitTime: string | null, lagMs: string | null, complete: boolean, missedRecords: number, stopped: string | null } } };

export type ShippedPerMinuteSubscriptionVariables = Exact<{
  from?: string | null | undefined;
}>;


export type ShippedPerMinuteSubscription = { ordersShippedPerMinute: { rows: Array<{ shipped: string, minute: { start: string } }>, freshness: { version: string, sourceCommitTime: string | null, lagMs: string | null, complete: boolean, missedRecords: number, stopped: string | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const PanelFreshnessFragmentDoc = new TypedDocumentString(`
    fragment PanelFreshness on Freshness {
  version
  sourceCommitTime
  lagMs
  complete
  missedRecords
  stopped
}
    `, {"fragmentName":"PanelFreshness"}) as unknown as TypedDocumentString<PanelFreshnessFragment, unknown>;
export const OrdersByStatusDocument = new TypedDocumentString(`
    subscription OrdersByStatus {
  ordersByStatus {
    rows {
      status
      orders
      revenue
    }
    freshness {
      ...PanelFreshness
    }
  }
}
    fragment PanelFreshness on Freshness {
  version
  sourceCommitTime
  lagMs
  complete
  missedRecords
  stopped
}`) as unknown as TypedDocumentString<OrdersByStatusSubscription, OrdersByStatusSubscriptionVariables>;
export const OpenOrdersDocument = new TypedDocumentString(`
    subscription OpenOrders {
  openOrders {
    rows {
      orders
      value
      largest
    }
    freshness {
      ...PanelFreshness
    }
  }
}
    fragment PanelFreshness on Freshness {
  version
  sourceCommitTime
  lagMs
  complete
  missedRecords
  stopped
}`) as unknown as TypedDocumentString<OpenOrdersSubscription, OpenOrdersSubscriptionVariables>;
export const TopCustomersDocument = new TypedDocumentString(`
    subscription TopCustomers($limit: Int) {
  revenueByCustomer(limit: $limit) {
    rows {
      rank
      customer
      revenue
      orders
    }
    freshness {
      ...PanelFreshness
    }
  }
}
    fragment PanelFreshness on Freshness {
  version
  sourceCommitTime
  lagMs
  complete
  missedRecords
  stopped
}`) as unknown as TypedDocumentString<TopCustomersSubscription, TopCustomersSubscriptionVariables>;
export const RevenueByHourDocument = new TypedDocumentString(`
    subscription RevenueByHour($from: DateTime, $timeZone: String) {
  revenueByHour(from: $from, timeZone: $timeZone) {
    rows {
      hour {
        start
        local
      }
      orders
      revenue
    }
    freshness {
      ...PanelFreshness
    }
  }
}
    fragment PanelFreshness on Freshness {
  version
  sourceCommitTime
  lagMs
  complete
  missedRecords
  stopped
}`) as unknown as TypedDocumentString<RevenueByHourSubscription, RevenueByHourSubscriptionVariables>;
export const ShippedPerMinuteDocument = new TypedDocumentString(`
    subscription ShippedPerMinute($from: DateTime) {
  ordersShippedPerMinute(from: $from, limit: 1000) {
    rows {
      minute {
        start
      }
      shipped
    }
    freshness {
      ...PanelFreshness
    }
  }
}
    fragment PanelFreshness on Freshness {
  version
  sourceCommitTime
  lagMs
  complete
  missedRecords
  stopped
}`) as unknown as TypedDocumentString<ShippedPerMinuteSubscription, ShippedPerMinuteSubscriptionVariables>;