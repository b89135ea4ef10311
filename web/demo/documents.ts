/**
 * The demo page's subscriptions, typed by graphql-codegen's client preset from the schema the
 * API serves (schema/readout.graphql and schema/readmodels.graphql, generated from readmodels/):
 * `npm run codegen` writes ./gql, and each document below then carries its result and variables
 * types. Decimal and BigInt values arrive as strings (exact): format them, never parse them into
 * floats. A frontend for other read models does the same with its own documents.
 */
import { graphql } from './gql/index.ts';

graphql(`
  fragment PanelFreshness on Freshness {
    version
    sourceCommitTime
    lagMs
    complete
    missedRecords
    stopped
  }
`);

export const OrdersByStatusDocument = graphql(`
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
`);

export const OpenOrdersDocument = graphql(`
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
`);

export const TopCustomersDocument = graphql(`
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
`);

export const RevenueByHourDocument = graphql(`
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
`);

export const ShippedPerMinuteDocument = graphql(`
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
`);
