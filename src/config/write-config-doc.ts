/**
 * `npm run docs:config`: writes the configuration reference generated from the schema
 * (describe-config.ts). `--check` (`npm run docs:config:check`, part of `npm run check`) writes
 * nothing and exits 1 when the file differs from what the schema gives. An optional last argument
 * names another file (the tests use it).
 *
 *   node src/config/write-config-doc.ts [--check] [FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_DOC_PATH, configDocProblem, describeConfig } from './describe-config.ts';

const args = process.argv.slice(2);
const check = args.includes('--check');
const file = args.find((arg) => arg !== '--check') ?? CONFIG_DOC_PATH;
const generated = describeConfig();

if (check) {
  let onDisk: string | undefined;
  try {
    onDisk = readFileSync(file, 'utf8');
  } catch {
    onDisk = undefined;
  }
  const problem = configDocProblem(file, onDisk, generated);
  if (problem !== undefined) {
    process.stderr.write(`${problem}\n`);
    process.exitCode = 1;
  }
} else {
  writeFileSync(file, generated);
  process.stdout.write(`wrote ${file}\n`);
}
