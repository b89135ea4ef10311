import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldBatch } from '../../src/projection/index.ts';
import { amountsModel, ledgerEvents, ledgerHistory, reference } from '../support/exact-ledger.ts';
import { MemoryStore } from '../support/memory-store.ts';

/** The memory store's view ("- / [account]" → measures) in the reference's shape (account → measures). */
function byAccount(view: Record<string, Record<string, string>>): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const [key, entry] of Object.entries(view)) {
    if (key.endsWith('/ top')) continue;
    // The reference leaves out distinct labels; the memory store names the row count _rows.
    const measures = Object.entries(entry).filter(([name]) => name !== 'labels' && name !== '_rows');
    const account = (JSON.parse(key.slice(key.indexOf('/ ') + 2)) as string[])[0] ?? '';
    result[account] = { rows: entry._rows ?? '', ...Object.fromEntries(measures) };
  }
  return result;
}

describe('exact at any size, in memory (the fold)', () => {
  it('equals a BigInt reference for random decimals at scales 0 to 30, up to 45 digits (property)', () => {
    let run = 0;
    fc.assert(
      fc.property(ledgerHistory, ({ scale, steps, size }) => {
        const model = amountsModel(`fold${(run += 1)}`, scale);
        const store = new MemoryStore(model);
        const { events, rows } = ledgerEvents(steps, scale);
        for (let at = 0; at < events.length; at += size)
          store.apply(foldBatch(model, events.slice(at, at + size), store.state()));
        expect(byAccount(store.view())).toEqual(reference(rows));
      }),
      { numRuns: 300 },
    );
  });
});
