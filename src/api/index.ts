/**
 * api: the GraphQL API. Guarantee: answers come from one consistent snapshot of a read model and
 * say how fresh they are; subscriptions get the current value first, then every newer version.
 */
export { createApi } from './server.ts';
export type { Api, ApiDeps } from './server.ts';
export type { ApiContext } from './context.ts';
