import pg from 'pg';
import type { Logger } from '../src/log/logger.ts';

export const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
const PRODUCTS = ['widget', 'gadget', 'gizmo', 'doohickey', 'sprocket', 'thingamajig'];
const CUSTOMERS = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'stark',
  'wayne',
  'wonka',
  'tyrell',
  'cyberdyne',
];

export interface WorkloadOptions {
  /** Operations per second. */
  readonly rate: number;
  /** Stop after this many operations (undefined: until stopped). */
  readonly operations?: number;
  /** Relative weights of inserts, status updates and business deletes. */
  readonly mix: { readonly inserts: number; readonly updates: number; readonly deletes: number };
  /** Random seed, so a run can be repeated. */
  readonly seed: number;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same workload. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** An amount with exactly two decimals, as text: it goes to PostgreSQL without a float. */
function randomAmount(random: () => number): string {
  const cents = 100 + Math.floor(random() * 99_900);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

export type Operation = 'insert' | 'update' | 'delete';

/** Runs one operation of the mix against the orders table. */
export async function runOperation(
  client: pg.ClientBase,
  random: () => number,
  mix: WorkloadOptions['mix'],
): Promise<Operation> {
  const total = mix.inserts + mix.updates + mix.deletes;
  const roll = random() * total;
  if (roll >= mix.inserts) {
    const kind: Operation = roll < mix.inserts + mix.updates ? 'update' : 'delete';
    // A random existing order (ids are dense enough); an empty table falls through to an insert.
    const bounds = await client.query<{ min: string | null; max: string | null }>(
      'SELECT min(id)::text AS min, max(id)::text AS max FROM orders',
    );
    const { min, max } = bounds.rows[0] ?? { min: null, max: null };
    const target =
      min === null || max === null
        ? 0n
        : BigInt(min) + BigInt(Math.floor(random() * (Number(BigInt(max) - BigInt(min)) + 1)));
    const { rows } = await client.query<{ id: string }>(
      'SELECT id::text FROM orders WHERE id >= $1 ORDER BY id LIMIT 1',
      [target.toString()],
    );
    const id = rows[0]?.id;
    if (id !== undefined) {
      if (kind === 'update') {
        await client.query('UPDATE orders SET status = $1, updated_at = now() WHERE id = $2', [
          pick(random, STATUSES),
          id,
        ]);
      } else {
        await client.query('DELETE FROM orders WHERE id = $1', [id]);
      }
      return kind;
    }
  }
  // An order and its lines in one transaction, as a shop would write them.
  const lines = 1 + Math.floor(random() * 3);
  const values = [pick(random, CUSTOMERS), pick(random, STATUSES), randomAmount(random)];
  const items: string[] = [];
  for (let i = 0; i < lines; i += 1) {
    const base = values.length;
    values.push(pick(random, PRODUCTS), String(1 + Math.floor(random() * 5)), randomAmount(random));
    items.push(`((SELECT id FROM new_order), $${base + 1}, $${base + 2}::int, $${base + 3}::numeric)`);
  }
  await client.query(
    `WITH new_order AS (INSERT INTO orders (customer, status, amount) VALUES ($1, $2, $3::numeric) RETURNING id)
     INSERT INTO order_items (order_id, product, quantity, unit_price) VALUES ${items.join(', ')}`,
    values,
  );
  return 'insert';
}

/** Inserts `count` orders in one transaction. */
export async function seedOrders(client: pg.ClientBase, count: number, seed: number): Promise<void> {
  const random = createRandom(seed);
  await client.query('BEGIN');
  for (let i = 0; i < count; i += 1)
    await runOperation(client, random, { inserts: 1, updates: 0, deletes: 0 });
  await client.query('COMMIT');
}

/**
 * Writes inserts, status updates and business deletes at a steady rate until `operations` are
 * done or `signal` aborts. Each operation is its own transaction, like an application's.
 */
export async function runWorkload(
  pgUrl: string,
  options: WorkloadOptions,
  logger: Logger,
  signal: AbortSignal,
): Promise<Record<Operation, number>> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  const random = createRandom(options.seed);
  const counts: Record<Operation, number> = { insert: 0, update: 0, delete: 0 };
  const intervalMs = 1000 / options.rate;
  const started = Date.now();
  try {
    for (let done = 0; options.operations === undefined || done < options.operations; done += 1) {
      if (signal.aborted) break;
      counts[await runOperation(client, random, options.mix)] += 1;
      const wait = started + (done + 1) * intervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if ((done + 1) % Math.max(1, Math.round(options.rate * 10)) === 0)
        logger.info(counts, 'workload progress');
    }
  } finally {
    await client.end();
  }
  return counts;
}
