/**
 * `readout schema` as a person or CI runs it: it prints the schema the API would serve for the
 * definitions, changes when a definition changes, and `--check` fails until the committed typed
 * part (schema/readmodels.graphql, or --out) is regenerated with `--write`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'readout-schema-'));
const definitions = join(work, 'readmodels');
const typedFile = join(work, 'readmodels.graphql');
cpSync(new URL('readmodels/', root), definitions, { recursive: true });

function readout(args: readonly string[]) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('READOUT_')),
  );
  const result = spawnSync(process.execPath, ['src/main.ts', 'schema', ...args], {
    cwd: root,
    env: { ...env, READOUT_READMODELS_DIR: definitions, READOUT_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('readout schema', () => {
  it('matches the committed schema/readmodels.graphql for the repository’s definitions', () => {
    expect(readout(['--out', typedFile, '--write']).code).toBe(0);
    expect(readFileSync(typedFile, 'utf8')).toBe(
      readFileSync(new URL('schema/readmodels.graphql', root), 'utf8'),
    );
    expect(readout(['--out', typedFile, '--check']).code).toBe(0);
  });

  it('changes with a definition, and --check fails until the file is written again', () => {
    const before = readout([]).stdout;
    expect(before).toContain('ordersByStatus(');
    writeFileSync(
      join(definitions, 'tickets-by-queue.yaml'),
      'name: tickets_by_queue\nsource: support.tickets\ndimensions:\n  - column: queue\nmeasures:\n  - { name: tickets, type: count }\n',
    );
    const after = readout([]);
    expect(after.code).toBe(0);
    expect(after.stdout).not.toBe(before);
    expect(after.stdout).toContain('ticketsByQueue(');
    expect(after.stdout).toMatch(/type TicketsByQueueRow \{[^}]*queue: String[^}]*tickets: BigInt!/s);
    const stale = readout(['--out', typedFile, '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/is not what .* gives: run bin\/readout schema --write/);
    expect(readout(['--out', typedFile, '--write']).code).toBe(0);
    expect(readout(['--out', typedFile, '--check']).code).toBe(0);
  });

  it('refuses clashing names with exit code 2, naming the clash', () => {
    writeFileSync(
      join(definitions, 'aggregate.yaml'),
      'name: aggregate\nsource: support.tickets\nmeasures:\n  - { name: tickets, type: count }\n',
    );
    const refused = readout([]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'read model "aggregate": its field aggregate is already in Readout\'s own schema',
    );
    rmSync(join(definitions, 'aggregate.yaml'));
  });
});
