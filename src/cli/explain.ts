import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isLosslessNumber, parse, stringify } from 'lossless-json';
import {
  decodeRecord,
  formatUnscaled,
  isDecimal,
  type ChangeEvent,
  type ColumnValue,
} from '../decode/index.ts';
import { describeError, isReadoutError } from '../errors/index.ts';
import {
  foldBatch,
  valueOfExtremeMember,
  type CompiledModel,
  type FoldResult,
  type ModelState,
} from '../projection/index.ts';
import { UsageError, print, toJson, type CommandRun } from './command.ts';
import { createRedisStore } from '../store/index.ts';
import { loadModels } from './wiring.ts';

function field(document: unknown, name: string): unknown {
  return typeof document === 'object' &&
    document !== null &&
    !Array.isArray(document) &&
    !isLosslessNumber(document)
    ? (document as Record<string, unknown>)[name]
    : undefined;
}

function text(value: ColumnValue): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (isDecimal(value)) return formatUnscaled(value.unscaled, value.scale);
  if (typeof value === 'object' && !Array.isArray(value) && 'kind' in value) return '(unchanged, TOASTed)';
  return typeof value === 'string' ? JSON.stringify(value) : toJson(value).replace(/\s+/g, '');
}

function describeEvent(event: ChangeEvent): string[] {
  const lines = [
    `change   ${event.kind}${'table' in event ? ` ${event.table}` : ''}${'rowKey' in event ? ` ${event.rowKey}` : ''}`,
  ];
  if ('source' in event) {
    const s = event.source;
    const when = new Date(Number(s.commitTimeMs)).toISOString();
    lines.push(
      `source   lsn ${s.lsn}, txId ${s.txId ?? '-'}, committed ${when}${s.snapshot && s.snapshot !== 'false' ? `, snapshot ${s.snapshot}` : ''}${s.origin ? `, origin ${s.origin}` : ''}`,
    );
  }
  if ('after' in event)
    lines.push(
      `after    ${Object.entries(event.after)
        .map(([c, v]) => `${c}=${text(v)}`)
        .join(' ')}`,
    );
  if (event.kind === 'delete' && event.before) {
    lines.push(
      `before   ${Object.entries(event.before)
        .map(([c, v]) => `${c}=${text(v)}`)
        .join(' ')} (only the key is reliable under REPLICA IDENTITY DEFAULT)`,
    );
  }
  return lines;
}

function scaleOf(model: CompiledModel, measure: string): number {
  const base = measure.replace(/\.(sum|n)$/, '');
  const definition = model.definition.measures.find((m) => m.name === base);
  return definition && 'scale' in definition && !measure.endsWith('.n') ? definition.scale : 0;
}

function describeFold(model: CompiledModel, fold: FoldResult, state: ModelState, rowKey: string): string[] {
  const lines = [`model ${model.name}`];
  const stored = state.rows.get(rowKey);
  lines.push(
    stored
      ? `  row was  ${stored.memory ? toJson(stored.memory).replace(/\s+/g, ' ') : '(deleted)'} at lsn ${stored.position.lsn}${stored.position.snapshot ? ' (snapshot read)' : ''}`
      : '  row was  (not known)',
  );
  if (fold.duplicates > 0)
    return [...lines, '  skipped: not newer than the stored row (a duplicate or a replay)'];
  for (const { reason } of fold.rejected) lines.push(`  rejected: ${reason} (would be dead-lettered)`);
  if (fold.deltas.isEmpty && fold.rejected.length === 0) lines.push('  no change to the aggregates');
  for (const c of fold.deltas.counters.values()) {
    const [measure = '', group = ''] = [
      c.field.slice(0, c.field.indexOf('|')),
      c.field.slice(c.field.indexOf('|') + 1),
    ];
    const delta = formatUnscaled(c.delta, scaleOf(model, measure));
    lines.push(`  ${c.bucket ? `${c.bucket} ` : ''}${group} ${measure} ${c.delta > 0n ? '+' : ''}${delta}`);
  }
  for (const e of fold.deltas.extremes.values()) {
    lines.push(
      `  ${e.bucket ? `${e.bucket} ` : ''}${e.group} ${e.measure} ${e.present ? 'candidate' : 'no longer a candidate'}: ${formatUnscaled(BigInt(valueOfExtremeMember(e.member)), scaleOf(model, e.measure))}`,
    );
  }
  for (const d of fold.deltas.distincts.values()) {
    lines.push(
      `  ${d.bucket ? `${d.bucket} ` : ''}${d.group} ${d.measure} value ${JSON.stringify(d.value)} ${d.delta > 0n ? '+' : ''}${d.delta} row(s)`,
    );
  }
  return lines;
}

export const explainCommand: CommandRun = {
  async run(config, args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        topic: { type: 'string' },
        fresh: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    const file = positionals[0] ?? '-';
    const input = readFileSync(file === '-' ? 0 : file, 'utf8');
    let document: unknown;
    try {
      document = parse(input);
    } catch (error) {
      // lossless-json recurses: a document nested thousands deep overflows the stack.
      if (error instanceof RangeError)
        throw new UsageError(`${file} is nested too deeply to read: ${describeError(error)}`);
      throw new UsageError(`${file} is not JSON: ${describeError(error)}`);
    }
    const wrapped = field(document, 'value') !== undefined && field(document, 'topic') !== undefined;
    const value = wrapped ? field(document, 'value') : document;
    const key = wrapped ? field(document, 'key') : null;
    const source = field(field(value ?? null, 'payload') ?? value ?? null, 'source');
    const derived = source
      ? `${config.kafka.topicPrefix}.${String(field(source, 'schema'))}.${String(field(source, 'table'))}`
      : undefined;
    const topic = values.topic ?? (wrapped ? String(field(document, 'topic')) : derived);
    if (!topic) throw new UsageError('cannot tell the topic: give --topic');

    let event: ChangeEvent;
    try {
      event = decodeRecord(
        {
          topic,
          partition: 0,
          offset: '0',
          key: key === null || key === undefined ? null : Buffer.from(stringify(key) ?? 'null'),
          value: value === null || value === undefined ? null : Buffer.from(stringify(value) ?? 'null'),
        },
        'auto',
        config.decode,
      );
    } catch (error) {
      if (!isReadoutError(error)) throw error;
      print(`refused  [${error.code}] ${error.message} (it would be dead-lettered)`);
      process.exitCode = 1;
      return;
    }

    const models = loadModels(config);
    // Read-only, and only when the row's stored state is wanted.
    const store = values.fresh ? undefined : createRedisStore(config.redis);
    try {
      const report: Array<{ model: string; fold: FoldResult | null }> = [];
      const lines = describeEvent(event);
      if (
        event.kind === 'create' ||
        event.kind === 'update' ||
        event.kind === 'delete' ||
        event.kind === 'read'
      ) {
        const affected = models.filter((model) => model.table === event.table);
        if (affected.length === 0) lines.push(`no read model reads ${event.table}`);
        for (const model of affected) {
          const state: ModelState = store
            ? await store.readModelState(model, [event.rowKey])
            : { rows: new Map(), maxCommitTimeMs: null };
          const fold = foldBatch(model, [event], state);
          report.push({ model: model.name, fold });
          lines.push(...describeFold(model, fold, state, event.rowKey));
        }
      } else {
        lines.push('not a row change: no read model is affected');
      }
      if (values.json) {
        print(
          toJson({
            event,
            models: report.map(({ model, fold }) => ({
              model,
              deltas: fold && {
                counters: [...fold.deltas.counters.values()],
                extremes: [...fold.deltas.extremes.values()],
                distincts: [...fold.deltas.distincts.values()],
              },
              duplicate: (fold?.duplicates ?? 0) > 0,
              rejected: fold?.rejected.map((r) => r.reason) ?? [],
            })),
          }),
        );
      } else {
        for (const line of lines) print(line);
      }
    } finally {
      await store?.quit();
    }
  },
};
