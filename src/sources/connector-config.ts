import { ErrorCode, ReadoutError } from '../errors/index.ts';
import type { CaptureNames } from './source-facts.ts';
import { tableName, tablePattern, tablesOfPatterns, type TableName } from './table-name.ts';

/** The connector's configuration without what Readout derives (stack/connector/readout-connector.json). */
export interface ConnectorTemplate {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
}

/** Keys Readout writes itself: a template that sets them would be silently overridden. */
const DERIVED_KEYS = [
  'table.include.list',
  'signal.data.collection',
  'notification.sink.topic.name',
] as const;
/** Keys Readout reads from the template to inspect PostgreSQL: they must be plain values. */
const NAMED_KEYS = ['database.user', 'publication.name', 'slot.name'] as const;

function invalid(file: string, problem: string): ReadoutError {
  return new ReadoutError(ErrorCode.ConfigInvalid, `${file}: ${problem}`);
}

/** Validates a template's JSON text: `{ "name": …, "config": { key: string } }`. */
export function parseConnectorTemplate(file: string, text: string): ConnectorTemplate {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalid(file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof document !== 'object' || document === null) throw invalid(file, 'expected an object');
  const { name, config } = document as { name?: unknown; config?: unknown };
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name))
    throw invalid(file, 'name: expected the connector name (letters, digits, ".", "_" or "-")');
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw invalid(file, 'config: expected an object of strings');
  const problems: string[] = [];
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string') problems.push(`config.${key}: expected a string`);
    else values[key] = value;
  }
  for (const key of DERIVED_KEYS)
    if (key in values)
      problems.push(`config.${key}: Readout derives it (from the definitions and READOUT_*), remove it`);
  for (const key of NAMED_KEYS) {
    const value = values[key];
    if (value === undefined || value === '' || value.includes('${'))
      problems.push(`config.${key}: expected a plain value (Readout inspects PostgreSQL with it)`);
  }
  // Backfills are followed through Debezium's notifications: without the sink channel, never.
  if (
    !(values['notification.enabled.channels'] ?? '')
      .split(',')
      .map((c) => c.trim())
      .includes('sink')
  )
    problems.push(
      'config.notification.enabled.channels: expected it to include "sink" (backfills report there)',
    );
  if (problems.length > 0) throw invalid(file, problems.join('; '));
  return { name, config: values };
}

/** The names PostgreSQL's checks use, from the template and the configured signal table. */
export function captureNames(template: ConnectorTemplate, signalTable: string): CaptureNames {
  return {
    role: template.config['database.user'] ?? '',
    publication: template.config['publication.name'] ?? '',
    slot: template.config['slot.name'] ?? '',
    signal: tableName(signalTable),
  };
}

/** The topic Debezium's notifications go to (progress and end of each backfill). */
export function notificationTopic(topicPrefix: string): string {
  return `${topicPrefix}.notifications`;
}

/**
 * The connector's whole configuration: the template, the tables the definitions read (sorted,
 * as anchored patterns), the signal table and the notification topic.
 */
export function desiredConnectorConfig(
  template: ConnectorTemplate,
  tables: readonly TableName[],
  settings: { readonly signalTable: TableName; readonly topicPrefix: string },
): Record<string, string> {
  const patterns = [...new Set(tables.map(tablePattern))].sort();
  return {
    ...template.config,
    'table.include.list': patterns.join(','),
    'signal.data.collection': settings.signalTable.qualified,
    'notification.sink.topic.name': notificationTopic(settings.topicPrefix),
  };
}

/** What changing the running connector to `desired` means. */
export interface ConnectorPlan {
  /** No connector of that name yet: creating it snapshots every listed table from scratch. */
  readonly create: boolean;
  /** Keys whose values differ (or that only one side has). */
  readonly changedKeys: readonly string[];
  /** Tables the connector starts to capture: their existing rows need a backfill. */
  readonly added: readonly string[];
  /** Tables it stops capturing. */
  readonly removed: readonly string[];
}

/** Compares the connector's current configuration (null: none) with the desired one. Pure. */
export function planConnector(
  current: Readonly<Record<string, string>> | null,
  desired: Readonly<Record<string, string>>,
): ConnectorPlan {
  const wanted = tablesOfPatterns(desired['table.include.list']);
  if (current === null)
    return { create: true, changedKeys: Object.keys(desired).sort(), added: wanted, removed: [] };
  const keys = new Set([...Object.keys(current), ...Object.keys(desired)]);
  keys.delete('name'); // Connect adds it to what it returns
  const changedKeys = [...keys].filter((key) => current[key] !== desired[key]).sort();
  const had = tablesOfPatterns(current['table.include.list']);
  return {
    create: false,
    changedKeys,
    added: wanted.filter((table) => !had.includes(table)),
    removed: had.filter((table) => !wanted.includes(table)),
  };
}
