/**
 * WebSocket close codes Readout itself sends (graphql-ws's own: 4400 bad message, 4401
 * unauthorized, 4403 forbidden, 4408 init timeout, 4409 duplicate subscription id, 4429 too many
 * init requests). The 4600s are Readout's, in the range left to applications.
 */
export const CloseCode = {
  /** The client did not read: its unsent messages passed READOUT_API_SLOW_CLIENT_BYTES. */
  SlowClient: 4600,
  /** More subscriptions on one socket than READOUT_API_MAX_SUBSCRIPTIONS_PER_SOCKET. */
  TooManySubscriptions: 4601,
  /** The process already holds READOUT_API_MAX_CONNECTIONS sockets (standard "try again later"). */
  TooManyConnections: 1013,
  /** The server is shutting down (standard "going away"). */
  GoingAway: 1001,
} as const;
