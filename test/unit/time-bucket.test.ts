import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/projection/index.ts';

describe('bucketOf', () => {
  it('puts an instant in its local hour, labelled with the offset in force', () => {
    expect(bucketOf(Date.parse('2026-11-24T14:37:05.123Z'), 'hour', 'Europe/Berlin')).toEqual({
      startMs: Date.parse('2026-11-24T14:00:00Z'),
      label: '2026-11-24T15:00:00+01:00',
    });
  });

  it('follows half-hour zones', () => {
    expect(bucketOf(Date.parse('2026-11-24T10:10:00Z'), 'hour', 'Asia/Kolkata').label).toBe(
      '2026-11-24T15:00:00+05:30',
    );
  });

  it('makes the local day of a DST change 23 hours long', () => {
    const day = bucketOf(Date.parse('2026-03-29T12:00:00Z'), 'day', 'Europe/Berlin');
    const next = bucketOf(Date.parse('2026-03-30T12:00:00Z'), 'day', 'Europe/Berlin');
    expect(day.label).toBe('2026-03-29T00:00:00+01:00');
    expect(next.label).toBe('2026-03-30T00:00:00+02:00');
    expect(next.startMs - day.startMs).toBe(23 * 3_600_000);
  });

  it('keeps the two local 02:00 hours apart when clocks go back', () => {
    const first = bucketOf(Date.parse('2026-10-25T00:30:00Z'), 'hour', 'Europe/Berlin');
    const second = bucketOf(Date.parse('2026-10-25T01:30:00Z'), 'hour', 'Europe/Berlin');
    expect(first.label).toBe('2026-10-25T02:00:00+02:00');
    expect(second.label).toBe('2026-10-25T02:00:00+01:00');
    expect(second.startMs - first.startMs).toBe(3_600_000);
  });

  it('buckets minutes in UTC', () => {
    expect(bucketOf(Date.parse('2026-11-24T14:37:59.999Z'), 'minute', 'UTC').label).toBe(
      '2026-11-24T14:37:00+00:00',
    );
  });
});
