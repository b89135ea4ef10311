import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, ReadoutError, describeError } from '../errors/index.ts';
import { readModelDefinition, type ReadModelDefinition } from './definition-schema.ts';
import { sourcesFile, type SourceDefinition } from './source-schema.ts';

/** The file beside the read models that holds per-table settings (not a read model). */
export const SOURCES_FILE = 'sources.yaml';

export interface LoadedDefinition {
  readonly file: string;
  readonly definition: ReadModelDefinition;
}

function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  return `${file}: ${path === '' ? '(top level)' : path}: ${issue.message}`;
}

/** Validates one definition document; every problem names the file, the field and what was expected. */
export function parseDefinition(
  file: string,
  document: unknown,
): { definition?: ReadModelDefinition; problems: string[] } {
  const parsed = readModelDefinition.safeParse(document);
  if (parsed.success) return { definition: parsed.data, problems: [] };
  return { problems: parsed.error.issues.map((issue) => describeIssue(file, issue)) };
}

/**
 * Reads every *.yaml / *.yml / *.json file in `directory` as a read-model definition. Reports all
 * problems of all files at once, and refuses two models with the same name.
 */
export function loadDefinitions(directory: string): LoadedDefinition[] {
  const problems: string[] = [];
  const loaded: LoadedDefinition[] = [];
  let files: string[];
  try {
    files = readdirSync(directory)
      .filter((file) => /\.(ya?ml|json)$/.test(file) && file !== SOURCES_FILE)
      .sort();
  } catch (error) {
    throw new ReadoutError(
      ErrorCode.ConfigInvalid,
      `cannot read read-model definitions in ${directory}: ${describeError(error)}`,
    );
  }
  for (const file of files) {
    let document: unknown;
    try {
      document = parseYaml(readFileSync(join(directory, file), 'utf8'));
    } catch (error) {
      problems.push(`${file}: not valid YAML/JSON: ${describeError(error)}`);
      continue;
    }
    const result = parseDefinition(file, document);
    problems.push(...result.problems);
    if (result.definition) loaded.push({ file, definition: result.definition });
  }
  const byName = new Map<string, string>();
  for (const { file, definition } of loaded) {
    const other = byName.get(definition.name);
    if (other) problems.push(`${file}: name: "${definition.name}" is already defined in ${other}`);
    byName.set(definition.name, file);
  }
  if (files.length === 0) problems.push(`${directory}: no read-model definitions (*.yaml) found`);
  if (problems.length > 0) {
    throw new ReadoutError(
      ErrorCode.ConfigInvalid,
      `Invalid read-model definitions:\n  ${problems.join('\n  ')}`,
      {
        details: { problems },
      },
    );
  }
  return loaded;
}

/**
 * Reads the per-table settings from `sources.yaml` in `directory` (none: every table gets the
 * defaults). Problems name the file and the field; a table listed twice is refused.
 */
export function loadSources(directory: string): SourceDefinition[] {
  const path = join(directory, SOURCES_FILE);
  if (!existsSync(path)) return [];
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ReadoutError(
      ErrorCode.ConfigInvalid,
      `${SOURCES_FILE}: not valid YAML: ${describeError(error)}`,
    );
  }
  const parsed = sourcesFile.safeParse(document);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => describeIssue(SOURCES_FILE, issue));
  const sources = parsed.success ? parsed.data.sources : [];
  const seen = new Set<string>();
  sources.forEach((source, index) => {
    if (seen.has(source.table))
      problems.push(`${SOURCES_FILE}: sources.${index}.table: "${source.table}" is listed twice`);
    seen.add(source.table);
  });
  if (problems.length > 0) {
    throw new ReadoutError(ErrorCode.ConfigInvalid, `Invalid source settings:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  return sources;
}
