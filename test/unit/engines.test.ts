/**
 * npm checks `engines` against the Node that runs npm itself (the machine's, 20 here), not the
 * Node 24 that the project brings and runs on, so .npmrc keeps npm's (false) engine warnings
 * quiet. This test is that check done right: every package npm installed must accept the Node
 * that runs Readout, and a dependency upgrade that needs a newer one fails here.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(path, root), 'utf8'));

interface LockedPackage {
  readonly version?: string;
  readonly optional?: boolean;
  readonly engines?: { readonly node?: string } | readonly string[];
}
const lock = readJson('package-lock.json') as { packages: Record<string, LockedPackage> };
const bundledNode = (readJson('node_modules/node/package.json') as { version: string }).version;

/** The `engines.node` range a package declares (an old array form, or none, accepts anything). */
function nodeRange(entry: LockedPackage): string | undefined {
  return Array.isArray(entry.engines) ? undefined : (entry.engines as { node?: string } | undefined)?.node;
}

describe('engines against the Node the project brings', () => {
  it('is the Node that runs these tests', () => {
    expect(process.version).toBe(`v${bundledNode}`);
  });

  it('is accepted by Readout itself and by every installed package', () => {
    const refusals: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = nodeRange(entry);
      // Optional packages that do not fit are skipped by npm (platform builds), not run.
      if (range === undefined || entry.optional) continue;
      if (!semver.satisfies(bundledNode, range, { includePrerelease: true }))
        refusals.push(`${path || 'readout'} needs node ${range}`);
    }
    expect(refusals, `Node ${bundledNode}`).toEqual([]);
  });
});
