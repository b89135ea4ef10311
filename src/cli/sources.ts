import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { ReadoutConfig } from '../config/index.ts';
import { loadDefinitions } from '../definitions/index.ts';
import { ErrorCode, ReadoutError, describeError } from '../errors/index.ts';
import { readTopic } from '../ingest/index.ts';
import {
  captureNames,
  createKafkaConnect,
  desiredConnectorConfig,
  notificationTopic,
  parseConnectorTemplate,
  parseNotification,
  runSourcesCheck,
  tableName,
  type ConnectorTemplate,
  type SourcesReport,
  type TableName,
} from '../sources/index.ts';
import { UsageError, positiveInteger, print, toJson, type CommandRun } from './command.ts';

/** The template, the definitions' tables and the connector configuration they make. */
function plan(config: ReadoutConfig): {
  template: ConnectorTemplate;
  tables: TableName[];
  desired: Record<string, string>;
} {
  let text: string;
  try {
    text = readFileSync(config.capture.connectorFile, 'utf8');
  } catch (error) {
    throw new ReadoutError(
      ErrorCode.ConfigInvalid,
      `READOUT_CONNECTOR_FILE: cannot read ${config.capture.connectorFile}: ${describeError(error)}`,
    );
  }
  const template = parseConnectorTemplate(config.capture.connectorFile, text);
  const signal = tableName(config.capture.signalTable);
  const sources = [
    ...new Set(loadDefinitions(config.readModelsDir).map(({ definition }) => definition.source)),
  ];
  const tables = sources.map(tableName).sort((a, b) => a.qualified.localeCompare(b.qualified));
  if (tables.some((table) => table.qualified === signal.qualified))
    throw new ReadoutError(
      ErrorCode.ConfigInvalid,
      `a read model reads ${signal.qualified}, Readout's signal table (READOUT_SIGNAL_TABLE): not a source`,
    );
  const desired = desiredConnectorConfig(template, tables, {
    signalTable: signal,
    topicPrefix: config.kafka.topicPrefix,
  });
  return { template, tables, desired };
}

function render(report: SourcesReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${check.ok ? 'ok ' : 'NO '} ${check.detail}`);
    if (!check.ok && check.sql.length > 0) {
      lines.push(`    ${check.automatic ? '--apply runs:' : 'to run by hand:'}`);
      for (const statement of check.sql) lines.push(`      ${statement}`);
    }
  }
  if (report.applied.length > 0) {
    lines.push('', 'applied:');
    for (const step of report.applied) lines.push(`  ${step}`);
  }
  lines.push(
    '',
    report.ok
      ? 'everything the definitions read is captured'
      : 'something is missing (above); `readout sources check --apply` fixes what it may',
  );
  return lines.join('\n');
}

export const sourcesCommand: CommandRun = {
  async run(config, args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        apply: { type: 'boolean', default: false },
        'no-wait': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '3600' },
        json: { type: 'boolean', default: false },
      },
    });
    const [action, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    const { template, tables, desired } = plan(config);
    if (action === 'connector') {
      print(toJson({ name: template.name, config: desired }));
      return;
    }
    if (action !== 'check')
      throw new UsageError(`expected "check" or "connector", got ${action ?? 'nothing'}`);
    const db = new pg.Client({ connectionString: config.postgres.url });
    try {
      await db.connect();
    } catch (error) {
      throw new ReadoutError(ErrorCode.DependencyUnavailable, 'PostgreSQL (READOUT_PG_URL) did not answer', {
        cause: error,
        retriable: true,
      });
    }
    try {
      const report = await runSourcesCheck(
        {
          db,
          connect: createKafkaConnect(config.capture.connectUrl),
          readNotifications: (onNotification, done) =>
            readTopic({
              brokers: config.kafka.brokers,
              clientId: `${config.kafka.clientId}-sources`,
              topic: notificationTopic(config.kafka.topicPrefix),
              onValue: (text) => {
                const notification = parseNotification(text);
                if (notification) onNotification(notification);
              },
              done,
            }),
          progress: (line) => {
            if (!values.json) process.stderr.write(`${line}\n`);
          },
          now: () => Date.now(),
        },
        {
          template,
          names: captureNames(template, config.capture.signalTable),
          tables,
          desired,
          apply: values.apply,
          wait: !values['no-wait'],
          waitMs: positiveInteger(values.timeout, '--timeout') * 1000,
        },
      );
      print(values.json ? toJson(report) : render(report));
      if (!report.ok) process.exitCode = 1;
    } finally {
      await db.end();
    }
  },
};
