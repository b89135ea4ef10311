/**
 * sources: what capturing the definitions' tables needs from PostgreSQL and Kafka Connect, and
 * the backfill of the rows a table held before it was captured. Promises: the checks only read;
 * the fixes are SQL a person can read first (`readout sources check` prints exactly what
 * `--apply` runs); the connector's table list is derived from the definitions, never kept by
 * hand; a newly captured table is backfilled once, by a Debezium incremental snapshot, while
 * its changes keep streaming (docs/onboarding.md).
 */
export { tableName, tablePattern, sqlTable, type TableName } from './table-name.ts';
export type { CaptureNames, SourceFacts, TableFacts } from './source-facts.ts';
export { checkSource, createSignalTableSql, SIGNAL_COLUMNS, type SourceCheck } from './source-checks.ts';
export { inspectPostgres } from './inspect-postgres.ts';
export {
  captureNames,
  desiredConnectorConfig,
  notificationTopic,
  parseConnectorTemplate,
  planConnector,
  type ConnectorPlan,
  type ConnectorTemplate,
} from './connector-config.ts';
export {
  backfillSignalId,
  backfillSignalSql,
  backfillStates,
  describeBackfill,
  doneSignalSql,
  nextBackfillState,
  parseNotification,
  pendingSignalsSql,
  succeeded,
  worthRetrying,
  tableOfSignal,
  type BackfillState,
  type Notification,
} from './backfill-signals.ts';
export { createKafkaConnect, isRunning, type ConnectorStatus, type KafkaConnect } from './kafka-connect.ts';
export { runSourcesCheck } from './sources-check.ts';
export type { BackfillEntry, SourcesCheckDeps, SourcesCheckInput, SourcesReport } from './sources-check.ts';
