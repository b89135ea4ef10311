import { describe, expect, it } from 'vitest';
import { modelEntry, renderStatus, troubleOf, type StatusReport } from '../../src/cli/status-report.ts';
import type { ReaderReadiness } from '../../src/store/index.ts';

const reader = (overrides: Partial<ReaderReadiness>): ReaderReadiness => ({
  name: 'm',
  version: 1_796_000_000_000_000n,
  source: { commitTimeMs: null, lsn: null, txId: null },
  appliedAtMs: null,
  catchUp: new Map(),
  stopped: null,
  backfilling: null,
  reached: new Map(),
  ...overrides,
});

function report(models: StatusReport['readModels']): Omit<StatusReport, 'trouble'> {
  return {
    group: 'g',
    keyPrefix: 'p',
    at: '2026-12-07T00:00:00.000Z',
    consumer: [],
    readModels: models,
    deadLetters: 0,
    held: [],
    redisMemoryBytes: 0,
    redis: { topology: { mode: 'single', clusterState: null, nodes: [] }, losses: [] },
    api: { url: 'http://api/readyz', ready: true, detail: 'ready' },
  };
}

describe('status of read models Redis never held', () => {
  const catchUp = new Map([['readout.public.orders/0', '4000']]);
  const reached = new Map([['readout.public.orders/0', '1200']]);

  it('shows a backfill as one, with its progress, and not as trouble', () => {
    const added = modelEntry('added', reader({ catchUp, reached, backfilling: 'added' }), undefined, 'f', 0);
    const lost = modelEntry('lost', reader({ catchUp, reached }), undefined, 'f', 0);
    const empty = modelEntry('fresh', reader({}), undefined, 'f', 0);
    expect([added.state, lost.state, empty.state]).toEqual(['backfilling', 'catching-up', 'ready']);
    const partial = report([added, lost, empty]);
    const text = renderStatus({ ...partial, trouble: troubleOf(partial) });
    expect(text).toContain(
      'a new read model, reading its topic from the start: readout.public.orders/0 at 1200 of 4000',
    );
    expect(text).toContain('replaying what Redis lost: readout.public.orders/0 at 1200 of 4000');
    expect(troubleOf(partial)).toEqual(['lost: replaying what Redis lost; it serves again once caught up']);
  });

  it('calls a model no projector has taken on empty, as trouble', () => {
    const none = modelEntry('none', reader({ version: 0n }), undefined, 'f', 0);
    expect(none.state).toBe('empty');
    expect(troubleOf(report([none]))).toEqual([
      'none: no projector has taken it on; is one running with this definition? (readout projector, or readout reload)',
    ]);
  });
});
