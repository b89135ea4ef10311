import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

describe('the runtime the project brings', () => {
  it('runs the tests on Node.js 24 (the `node` package of package.json, first on npm scripts’ PATH)', () => {
    expect(process.version).toMatch(/^v24\./);
  });

  it('runs bin/readout on the same Node.js, whatever node the machine has on its PATH', () => {
    // A PATH without node_modules/.bin: what a person's shell has.
    const path = (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('node_modules'));
    const out = execFileSync(`${root}bin/readout`, ['version'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: path.join(':') },
    });
    expect(out).toMatch(/^readout \S+ on Node\.js v24\./);
  });
});
