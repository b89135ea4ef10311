import { describe, expect, it } from 'vitest';
import { createPacing } from '../../src/archiver/pacing.ts';

describe("the archiver's pacing", () => {
  it('starts with one batch in flight and grows while batches are applied well within the bound', () => {
    const pacing = createPacing(2000, 4);
    expect(pacing.window).toBe(1);
    for (const latency of [100, 300, 499]) pacing.applied(latency);
    expect(pacing.window).toBe(4);
    pacing.applied(200);
    expect(pacing.window).toBe(4); // capped
  });

  it('halves as soon as a batch takes more than half the bound, never below one', () => {
    const pacing = createPacing(2000, 8);
    for (let i = 0; i < 7; i += 1) pacing.applied(100);
    expect(pacing.window).toBe(8);
    pacing.applied(1001);
    expect(pacing.window).toBe(4);
    pacing.applied(800); // between a quarter and a half: hold
    expect(pacing.window).toBe(4);
    for (let i = 0; i < 5; i += 1) pacing.applied(5000);
    expect(pacing.window).toBe(1);
  });
});
