/**
 * The configuration reference (docs/configuration.md), generated from the configuration schema
 * itself: each variable's description (zod `.describe()` in load-config.ts), its default and what
 * it accepts. `npm run docs:config` writes the file; `npm run check` fails when it is stale
 * (write-config-doc.ts). Pure.
 */
import { z } from 'zod';
import { configSchema } from './load-config.ts';
import { resolveStackEnv } from './stack-env.ts';

/** Where the reference lives, relative to the repository's root. */
export const CONFIG_DOC_PATH = 'docs/configuration.md';

/** The part of a JSON Schema that zod's `toJSONSchema` gives for one environment variable. */
interface JsonSchema {
  readonly description?: string;
  readonly default?: string | number | boolean;
  readonly type?: string;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minItems?: number;
  readonly items?: JsonSchema;
}

export interface ConfigVariable {
  readonly name: string;
  readonly description: string;
  /** As the variable would be written (`''`: nothing), or undefined when it has no default. */
  readonly default: string | undefined;
  /** What the variable accepts, in words (Markdown). */
  readonly accepts: string;
  /** Derived from the local stack's variables when unset (stack-env.ts). */
  readonly derivedFromStack: boolean;
}

type ConfigSchema = z.ZodObject<Record<string, z.ZodType>>;

const code = (text: string) => `\`${text}\``;

/** A single value: a string, number, URL, … as the schema checks it. */
function describeValue(schema: JsonSchema): string {
  if (schema.enum !== undefined) return schema.enum.map((value) => code(String(value))).join(', ');
  if (schema.type === 'integer' || schema.type === 'number') {
    const kind = schema.type === 'integer' ? 'integer' : 'number';
    if (schema.minimum !== undefined && schema.maximum !== undefined)
      return `${kind}, ${schema.minimum} to ${schema.maximum}`;
    if (schema.minimum !== undefined) return `${kind}, at least ${schema.minimum}`;
    if (schema.maximum !== undefined) return `${kind}, at most ${schema.maximum}`;
    return kind;
  }
  if (schema.format === 'uri') return 'URL';
  if (schema.pattern !== undefined) return `text matching ${code(schema.pattern)}`;
  if (schema.minLength !== undefined && schema.minLength > 1)
    return `text of at least ${schema.minLength} characters`;
  if (schema.minLength === 1) return 'non-empty text';
  return 'text';
}

/** The variable as its parsed value looks (`output`): a list is split at commas first. */
function describeAccepts(input: JsonSchema, output: JsonSchema | undefined): string {
  if (output?.type === 'array' && output.items !== undefined) {
    const atLeast =
      output.minItems !== undefined && output.minItems > 0 ? `, at least ${output.minItems}` : '';
    return `comma-separated list${atLeast}, each: ${describeValue(output.items)}`;
  }
  return describeValue(input);
}

function propertiesOf(schema: ConfigSchema, io: 'input' | 'output'): Record<string, JsonSchema> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
  };
  return json.properties ?? {};
}

/**
 * Every variable of the schema, in the schema's order. Throws when one has no description:
 * every variable must say what it means.
 */
export function configVariables(schema: ConfigSchema = configSchema): ConfigVariable[] {
  const input = propertiesOf(schema, 'input');
  const output = propertiesOf(schema, 'output');
  // resolveStackEnv fills in exactly the settings it derives, so given nothing, its keys are those.
  const derived = new Set(Object.keys(resolveStackEnv({}).env));
  return Object.keys(schema.shape).map((name) => {
    const property = input[name] ?? {};
    const description = property.description?.trim() ?? '';
    if (description === '')
      throw new Error(`${name} has no description: add .describe('…') to it in src/config/load-config.ts`);
    return {
      name,
      description,
      default: property.default === undefined ? undefined : String(property.default),
      accepts: describeAccepts(property, output[name]),
      derivedFromStack: derived.has(name),
    };
  });
}

/** A table cell: one line, pipes escaped. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

function defaultCell(variable: ConfigVariable): string {
  const value =
    variable.default === undefined ? '(unset)' : variable.default === '' ? '(none)' : code(variable.default);
  return variable.derivedFromStack ? `${value} †` : value;
}

/** docs/configuration.md, whole. */
export function describeConfig(schema: ConfigSchema = configSchema): string {
  const rows = configVariables(schema).map(
    (variable) =>
      `| ${code(variable.name)} | ${cell(defaultCell(variable))} | ${cell(variable.accepts)} | ${cell(variable.description)} |`,
  );
  return [
    '# Configuration',
    '',
    '<!-- Generated from the configuration schema (src/config/load-config.ts) by `npm run docs:config`:',
    '     edit the descriptions there, not this file. `npm run check` fails when this file is stale. -->',
    '',
    'Readout reads only environment variables, validated at start: every problem is reported at once,',
    "with the variable's name and what was expected, and the process exits with code 2.",
    '',
    "† Beside a local stack, when unset, derived from the stack's variables (`READOUT_SHAPE`, the",
    '`READOUT_*_PORT` variables, `READOUT_REDIS_CLUSTER_PRIMARIES` and `_REPLICAS`, `READOUT_PG_USER`,',
    '`_PASSWORD`, `_HOST` and `_DATABASE`) exactly as `stack/env.sh` derives them, so that',
    '`bin/readout` finds the stack the stack scripts would. A setting given explicitly wins, but one',
    "that names another port than the stack's variable beside it is refused (exit code 2, naming",
    'both). Without any stack variable set, the default shown applies. The variables only the stack',
    'scripts read are in [operating.md](operating.md#the-local-stacks-variables).',
    '',
    '| variable | default | accepts | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Why the file on disk is not the one the schema gives (undefined: it is). */
export function configDocProblem(
  file: string,
  onDisk: string | undefined,
  generated: string,
): string | undefined {
  if (onDisk === undefined) return `${file} is missing: run npm run docs:config`;
  if (onDisk !== generated)
    return `${file} is stale (the configuration schema in src/config/load-config.ts changed): run npm run docs:config`;
  return undefined;
}
