/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment PanelFreshness on Freshness {\n    version\n    sourceCommitTime\n    lagMs\n    complete\n    missedRecords\n    stopped\n  }\n": typeof types.PanelFreshnessFragmentDoc,
    "\n  subscription OrdersByStatus {\n    ordersByStatus {\n      rows {\n        status\n        orders\n        revenue\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n": typeof types.OrdersByStatusDocument,
    "\n  subscription OpenOrders {\n    openOrders {\n      rows {\n        orders\n        value\n        largest\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n": typeof types.OpenOrdersDocument,
    "\n  subscription TopCustomers($limit: Int) {\n    revenueByCustomer(limit: $limit) {\n      rows {\n        rank\n        customer\n        revenue\n        orders\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n": typeof types.TopCustomersDocument,
    "\n  subscription RevenueByHour($from: DateTime, $timeZone: String) {\n    revenueByHour(from: $from, timeZone: $timeZone) {\n      rows {\n        hour {\n          start\n          local\n        }\n        orders\n        revenue\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n": typeof types.RevenueByHourDocument,
    "\n  subscription ShippedPerMinute($from: DateTime) {\n    ordersShippedPerMinute(from: $from, limit: 1000) {\n      rows {\n        minute {\n          start\n        }\n        shipped\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n": typeof types.ShippedPerMinuteDocument,
};
const documents: Documents = {
    "\n  fragment PanelFreshness on Freshness {\n    version\n    sourceCommitTime\n    lagMs\n    complete\n    missedRecords\n    stopped\n  }\n": types.PanelFreshnessFragmentDoc,
    "\n  subscription OrdersByStatus {\n    ordersByStatus {\n      rows {\n        status\n        orders\n        revenue\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n": types.OrdersByStatusDocument,
    "\n  subscription OpenOrders {\n    openOrders {\n      rows {\n        orders\n        value\n        largest\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n": types.OpenOrdersDocument,
    "\n  subscription TopCustomers($limit: Int) {\n    revenueByCustomer(limit: $limit) {\n      rows {\n        rank\n        customer\n        revenue\n        orders\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n": types.TopCustomersDocument,
    "\n  subscription RevenueByHour($from: DateTime, $timeZone: String) {\n    revenueByHour(from: $from, timeZone: $timeZone) {\n      rows {\n        hour {\n          start\n          local\n        }\n        orders\n        revenue\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n": types.RevenueByHourDocument,
    "\n  subscription ShippedPerMinute($from: DateTime) {\n    ordersShippedPerMinute(from: $from, limit: 1000) {\n      rows {\n        minute {\n          start\n        }\n        shipped\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n": types.ShippedPerMinuteDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PanelFreshness on Freshness {\n    version\n    sourceCommitTime\n    lagMs\n    complete\n    missedRecords\n    stopped\n  }\n"): typeof import('./graphql').PanelFreshnessFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OrdersByStatus {\n    ordersByStatus {\n      rows {\n        status\n        orders\n        revenue\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n"): typeof import('./graphql').OrdersByStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OpenOrders {\n    openOrders {\n      rows {\n        orders\n        value\n        largest\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n"): typeof import('./graphql').OpenOrdersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TopCustomers($limit: Int) {\n    revenueByCustomer(limit: $limit) {\n      rows {\n        rank\n        customer\n        revenue\n        orders\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n"): typeof import('./graphql').TopCustomersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RevenueByHour($from: DateTime, $timeZone: String) {\n    revenueByHour(from: $from, timeZone: $timeZone) {\n      rows {\n        hour {\n          start\n          local\n        }\n        orders\n        revenue\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n"): typeof import('./graphql').RevenueByHourDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ShippedPerMinute($from: DateTime) {\n    ordersShippedPerMinute(from: $from, limit: 1000) {\n      rows {\n        minute {\n          start\n        }\n        shipped\n      }\n      freshness {\n        ...PanelFreshness\n      }\n    }\n  }\n"): typeof import('./graphql').ShippedPerMinuteDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
