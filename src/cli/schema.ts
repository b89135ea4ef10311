import { readFileSync, writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { parseArgs } from 'node:util';
import { buildSchema } from '../api/schema.ts';
import { typedSdl } from '../api/typed/typed-sdl.ts';
import { loadDefinitions } from '../definitions/index.ts';
import { UsageError, print, type CommandRun } from './command.ts';

/** Where `--write` puts the typed part, beside Readout's own schema/readout.graphql. */
export const TYPED_SCHEMA_FILE = new URL('../../schema/readmodels.graphql', import.meta.url);

function readOrNull(file: URL | string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export const schemaCommand: CommandRun = {
  run(config, args) {
    const { values } = parseArgs({
      args,
      options: { write: { type: 'boolean' }, check: { type: 'boolean' }, out: { type: 'string' } },
    });
    if (values.write && values.check) throw new UsageError('--write and --check exclude each other');
    const definitions = loadDefinitions(config.readModelsDir).map(({ definition }) => definition);
    // Building the schema also refuses clashing names, exactly as the API would.
    const schema = buildSchema(definitions);
    const file = values.out ?? TYPED_SCHEMA_FILE;
    const typed = typedSdl(definitions);
    if (values.write) {
      writeFileSync(file, typed);
      print(`wrote ${String(file).replace('file://', '')} (${definitions.length} read models)`);
      return Promise.resolve();
    }
    if (values.check) {
      if (readOrNull(file) !== typed) {
        process.stderr.write(
          `${String(file).replace('file://', '')} is not what ${config.readModelsDir} gives: run bin/readout schema --write\n`,
        );
        process.exitCode = 1;
      }
      return Promise.resolve();
    }
    process.stdout.write(printSchema(schema));
    return Promise.resolve();
  },
};
