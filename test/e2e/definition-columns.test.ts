/**
 * A read-model definition that names a column its table does not have is refused when the
 * projector starts, naming the file and the field, because PostgreSQL (READOUT_PG_URL) answers.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReadout } from '../support/readout-process.ts';

describe('definitions against the source tables', () => {
  it('refuses at start a definition naming a column its table does not have', async () => {
    const id = `columns-${randomUUID().slice(0, 8)}`;
    const dir = mkdtempSync(join(tmpdir(), 'readout-columns-'));
    cpSync(new URL('../../readmodels/', import.meta.url).pathname, dir, { recursive: true });
    writeFileSync(
      join(dir, 'typo.yaml'),
      [
        'name: typo',
        'source: public.orders',
        'dimensions: [{ column: status }]',
        'measures: [{ name: revenue, type: sum, column: amout, scale: 2 }]',
      ].join('\n'),
    );
    const started = await runReadout(['projector'], {
      READOUT_CONSUMER_GROUP: id,
      READOUT_KEY_PREFIX: id,
      READOUT_READMODELS_DIR: dir,
    });
    expect(started.code).toBe(2);
    expect(started.stderr).toContain(
      'typo.yaml: measures.0.column: public.orders has no column "amout" (its columns: id, customer, status, amount, created_at, updated_at)',
    );
  });
});
