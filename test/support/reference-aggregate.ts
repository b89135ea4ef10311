import { bucketOf } from '../../src/projection/index.ts';
import type { ReadModelDefinition } from '../../src/definitions/index.ts';

/** A source row as the test's "database" holds it: column → exact text or null. */
export type SourceRow = Record<string, string | null>;

function units(text: string, scale: number): bigint {
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  return text.startsWith('-') ? -value : value;
}

/**
 * A fresh computation of a state model over the final rows, written independently of the
 * projection's delta code: filter, group, then count/sum/avg/min/max/distinct per group, in the
 * same shape as MemoryStore.view(). Buckets before `retainFromMs` are left out.
 */
export function referenceAggregate(
  definition: ReadModelDefinition,
  rows: Iterable<SourceRow>,
  retainFromMs: number | null = null,
): Record<string, Record<string, string>> {
  const groups = new Map<string, SourceRow[]>();
  for (const row of rows) {
    const passes = definition.filter.every((c) => {
      const v = row[c.column] ?? null;
      if ('equals' in c) return v === c.equals;
      if ('in' in c) return v !== null && c.in.includes(v);
      return v === null || !c.notIn.includes(v);
    });
    if (!passes) continue;
    let bucket = '-';
    const values: Array<string | null> = [];
    let skip = false;
    for (const d of definition.dimensions) {
      if ('bucket' in d) {
        if (!('column' in d.bucket)) throw new Error('reference: commit-time buckets are for flows');
        const text = row[d.bucket.column] ?? null;
        if (text === null) skip = true;
        else {
          const b = bucketOf(Date.parse(text), d.bucket.unit, d.bucket.timeZone);
          if (retainFromMs !== null && b.startMs < retainFromMs) skip = true;
          bucket = b.label;
        }
      } else if ('bands' in d) {
        const v = row[d.bands.column] ?? null;
        const edges = d.bands.edges;
        let label: string | null = null;
        if (v !== null) {
          const x = units(v, 6);
          const index = edges.findIndex((edge) => x < units(edge, 6));
          label =
            index === 0
              ? `<${edges[0]}`
              : index === -1
                ? `>=${edges[edges.length - 1]}`
                : `${edges[index - 1]}..${edges[index]}`;
        }
        values.push(label);
      } else values.push(row[d.column] ?? null);
    }
    if (skip) continue;
    const key = `${bucket} / ${JSON.stringify(values)}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const result: Record<string, Record<string, string>> = {};
  for (const [key, members] of groups) {
    const out: Record<string, string> = { _rows: String(members.length) };
    for (const m of definition.measures) {
      const present =
        'column' in m ? members.map((r) => r[m.column] ?? null).filter((v): v is string => v !== null) : [];
      switch (m.type) {
        case 'count':
          out[m.name] = String(members.length);
          break;
        case 'sum': {
          const total = present.reduce((sum, v) => sum + units(v, m.scale), 0n);
          if (total !== 0n) out[m.name] = total.toString();
          break;
        }
        case 'avg': {
          const total = present.reduce((sum, v) => sum + units(v, m.scale), 0n);
          if (total !== 0n) out[`${m.name}.sum`] = total.toString();
          if (present.length > 0) out[`${m.name}.n`] = String(present.length);
          break;
        }
        case 'min':
        case 'max': {
          const sorted = present.map((v) => units(v, m.scale)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          const pick = m.type === 'min' ? sorted[0] : sorted[sorted.length - 1];
          if (pick !== undefined) out[m.name] = pick.toString();
          break;
        }
        case 'distinct':
          if (present.length > 0) out[m.name] = String(new Set(present).size);
          break;
      }
    }
    result[key] = out;
  }
  if (definition.top) {
    const { by, limit } = definition.top;
    const perBucket = new Map<string, Array<[string, bigint]>>();
    for (const [key, out] of Object.entries(result)) {
      const [bucket = '', group = ''] = key.split(' / ');
      const total = BigInt(out[by] ?? '0');
      if (total !== 0n) perBucket.set(bucket, [...(perBucket.get(bucket) ?? []), [group, total]]);
    }
    for (const [bucket, entries] of perBucket) {
      entries.sort((a, b) =>
        a[1] !== b[1] ? (a[1] > b[1] ? -1 : 1) : a[0] > b[0] ? -1 : a[0] < b[0] ? 1 : 0,
      );
      result[`${bucket} / top`] = { [by]: JSON.stringify(entries.slice(0, limit).map(([group]) => group)) };
    }
  }
  return result;
}
