import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CONFIG_DOC_PATH,
  configDocProblem,
  configVariables,
  describeConfig,
} from '../../src/config/describe-config.ts';
import { configSchema } from '../../src/config/load-config.ts';

const root = new URL('../../', import.meta.url).pathname;

/** The generated table's rows, by variable: [default, accepts, meaning]. */
function rows(markdown: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of markdown.split('\n')) {
    const match = /^\| `(READOUT_[A-Z0-9_]+)` \| (.*) \|$/.exec(line);
    if (match === null) continue;
    found.set(match[1] ?? '', (match[2] ?? '').split(/ (?<!\\)\| /));
  }
  return found;
}

describe('the configuration reference (docs/configuration.md)', () => {
  const generated = describeConfig();
  const table = rows(generated);

  it('lists every variable of the schema, each with its description, and nothing else', () => {
    const names = Object.keys(configSchema.shape);
    expect(names.length).toBeGreaterThan(30);
    expect([...table.keys()]).toEqual(names);
    for (const name of names) {
      const description = configSchema.shape[name as keyof typeof configSchema.shape].description;
      expect(description, name).toMatch(/\S/);
      const [defaultValue, accepts, meaning] = table.get(name) ?? [];
      expect(defaultValue, name).toMatch(/\S/);
      expect(accepts, name).toMatch(/\S/);
      expect(meaning, name).toBe(
        description
          ?.trim()
          .replace(/\s*\n\s*/g, ' ')
          .replace(/\|/g, '\\|'),
      );
    }
  });

  it("states each default as the schema's, and what each variable accepts", () => {
    const byName = new Map(configVariables().map((variable) => [variable.name, variable]));
    expect(table.get('READOUT_API_MAX_COST')?.slice(0, 2)).toEqual(['`500`', 'integer, 1 to 100000']);
    expect(table.get('READOUT_LOG_LEVEL')?.[1]).toBe(
      '`fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`',
    );
    expect(table.get('READOUT_LOG_FORMAT')?.[0]).toBe('(unset)');
    expect(table.get('READOUT_API_KEYS')?.slice(0, 2)).toEqual([
      '(none)',
      'comma-separated list, each: text of at least 16 characters',
    ]);
    // The connection settings a local stack's variables imply are marked.
    expect(table.get('READOUT_KAFKA_BROKERS')?.[0]).toBe('`127.0.0.1:19092` †');
    expect(byName.get('READOUT_KAFKA_BROKERS')?.derivedFromStack).toBe(true);
    expect(byName.get('READOUT_API_MAX_COST')?.derivedFromStack).toBe(false);
    // Defaults computed in code come out as the schema parses them.
    expect(byName.get('READOUT_MAX_RECORD_BYTES')?.default).toBe(String(8 * 1024 * 1024));
  });

  it('refuses a variable without a description', () => {
    const schema = z.object({ READOUT_DESCRIBED: z.string().describe('yes'), READOUT_BARE: z.string() });
    expect(() => configVariables(schema)).toThrow(/READOUT_BARE has no description/);
  });

  it('is checked in as generated', () => {
    expect(
      configDocProblem(CONFIG_DOC_PATH, readFileSync(`${root}${CONFIG_DOC_PATH}`, 'utf8'), generated),
    ).toBe(undefined);
  });

  describe('npm run docs:config:check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'readout-config-doc-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['src/config/write-config-doc.ts', ...args], {
        cwd: root,
        encoding: 'utf8',
      });

    it('passes on the generated file and fails on a stale or missing one', () => {
      const file = join(dir, 'configuration.md');
      expect(run(file).status).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(generated);
      expect(run('--check', file)).toMatchObject({ status: 0, stderr: '' });

      writeFileSync(
        file,
        generated.replace('READOUT_API_MAX_COST` | `500`', 'READOUT_API_MAX_COST` | `400`'),
      );
      const stale = run('--check', file);
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain(`${file} is stale`);
      expect(stale.stderr).toContain('npm run docs:config');

      const missing = run('--check', join(dir, 'none.md'));
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('is missing');
    });
  });
});

describe("the local stack's variables (docs/operating.md, written by hand)", () => {
  it('names every variable stack/env.sh sets, there or in the configuration reference', () => {
    const envSh = readFileSync(`${root}stack/env.sh`, 'utf8');
    const set = new Set(
      [...envSh.matchAll(/(?:export (READOUT_[A-Z0-9_]+)=|\$\{(READOUT_[A-Z0-9_]+):=)/g)].map(
        (match) => match[1] ?? match[2] ?? '',
      ),
    );
    set.delete('READOUT_ROOT'); // the checkout's folder, computed, not a setting
    expect(set.size).toBeGreaterThan(20);
    const documented =
      readFileSync(`${root}docs/operating.md`, 'utf8') + readFileSync(`${root}${CONFIG_DOC_PATH}`, 'utf8');
    const missing = [...set].filter((name) => !documented.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
