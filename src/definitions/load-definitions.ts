import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, ReadoutError, describeError } from '../errors/index.js';
import { readModelDefinition, type ReadModelDefinition } from './definition-schema.js';

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
      .filter((file) => /\.(ya?ml|json)$/.test(file))
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
