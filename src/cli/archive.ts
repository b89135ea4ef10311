import { parseArgs } from 'node:util';
import pg from 'pg';
import { createArchiver, quoteTable, type ArchivePlan, type ArchiveProgress } from '../archiver/index.ts';
import { durationMs } from '../projection/index.ts';
import { UsageError, positiveInteger, print, toJson, untilSignal, type CommandRun } from './command.ts';
import { wireProjector } from './wiring.ts';

function milliseconds(text: string): number {
  const match = /^(\d+)(ms|s)$/.exec(text);
  if (!match) throw new UsageError(`--max-lag must look like 2s or 500ms, got "${text}"`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

function describe(progress: ArchiveProgress): string {
  const left = progress.secondsLeft === null ? '?' : `${Math.ceil(progress.secondsLeft)} s`;
  const lag = progress.lagMs === null ? '' : ` · projector ${progress.lagMs} ms behind`;
  const children = progress.childRows > 0 ? ` (+${progress.childRows} cascading rows)` : '';
  return `${progress.waiting ? 'waiting' : 'archived'} ${progress.rows}/${progress.total} rows${children} · ${Math.round(progress.rowsPerSecond)} rows/s · ${left} left${lag}`;
}

export const archiveCommand: CommandRun = {
  async run(config, args) {
    const { values } = parseArgs({
      args,
      options: {
        table: { type: 'string' },
        'older-than': { type: 'string' },
        column: { type: 'string', default: 'created_at' },
        'batch-size': { type: 'string', default: '1000' },
        'max-lag': { type: 'string', default: '2s' },
        'archive-table': { type: 'string' },
        origin: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    if (!values.table) throw new UsageError('--table is required (schema.table, e.g. public.invoices)');
    if (!values['older-than']) throw new UsageError('--older-than is required (e.g. 90d)');
    if (!/^\d+(m|h|d)$/.test(values['older-than']))
      throw new UsageError(`--older-than must look like 90d, 36h or 45m, got "${values['older-than']}"`);
    quoteTable(values.table);
    const origin = values.origin ?? config.cleanup.archiveOrigins[0];
    if (!origin) throw new UsageError('no --origin and READOUT_ARCHIVE_ORIGINS is empty');
    if (!config.cleanup.archiveOrigins.includes(origin))
      throw new UsageError(
        `origin "${origin}" is not in READOUT_ARCHIVE_ORIGINS (${config.cleanup.archiveOrigins.join(',')}): the projector would not see these deletes as archival`,
      );
    const plan: ArchivePlan = {
      table: values.table,
      column: values.column,
      olderThanMs: durationMs(values['older-than']),
      batchSize: positiveInteger(values['batch-size'], '--batch-size'),
      maxLagMs: milliseconds(values['max-lag']),
      archiveTable: values['archive-table'] ?? `${values.table}_archive`,
      origin,
    };
    const client = new pg.Client({ connectionString: config.postgres.url });
    await client.connect();
    const { models, store, guard } = wireProjector(config, 'archive');
    // The projector's progress on the archiver's own deletes is read from this model's rows.
    const probe = models.find((model) => model.table === plan.table);
    try {
      const archiver = createArchiver({
        client,
        applied: probe ? (keys) => store.rowsDeleted(probe, keys) : null,
      });
      if (values['dry-run']) {
        const dry = await archiver.dryRun(plan);
        if (values.json) return print(toJson({ plan, ...dry }));
        print(`dry run: nothing changed`);
        print(
          `  ${dry.rows} rows of ${plan.table} with ${plan.column} < ${dry.cutoff} (oldest ${dry.oldest ?? '-'}, newest ${dry.newest ?? '-'})`,
        );
        for (const [child, rows] of Object.entries(dry.childRows))
          print(`  ${rows} rows of ${child} cascade from them (to ${child}_archive)`);
        print(
          `  ${dry.batches} transactions of up to ${plan.batchSize} rows into ${plan.archiveTable}, tagged "${plan.origin}"`,
        );
        if (!probe) print(`  no read model reads ${plan.table}: no lag bound to keep`);
        return;
      }
      let stop = false;
      void untilSignal().then(() => {
        stop = true;
      });
      let lastPrint = 0;
      const result = await archiver.run(
        plan,
        (progress) => {
          if (values.json || Date.now() - lastPrint < 1000) return;
          lastPrint = Date.now();
          process.stderr.write(`${describe(progress)}\n`);
        },
        () => stop,
      );
      if (values.json) print(toJson(result));
      else {
        print(describe(result));
        print(result.stopped ? 'interrupted after a whole batch: run the same command to resume' : 'done');
      }
    } finally {
      await client.end();
      await store.quit();
      await guard?.quit();
    }
  },
};
