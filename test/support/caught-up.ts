/**
 * "Caught up" by position, not by time: a marker transaction, and a wait until read models have
 * applied it. No test framework here: benchmarks use it too.
 */
import type pg from 'pg';
import type { CompiledModel } from '../../src/projection/index.ts';
import type { ReadModelStore } from '../../src/store/index.ts';

/**
 * A marker that tells when everything before it is applied: an order with a line, inserted, then
 * deleted in a second transaction whose txid is returned. Deletes wait for their transaction's
 * END (the mass-delete guard) and END events come on their own topic, so a projector can apply a
 * later insert before an earlier delete; the marker's delete is released only after every earlier
 * END (one partition, in order), so reaching its txid means no earlier delete is still waiting.
 */
export async function markerTxId(db: pg.ClientBase): Promise<bigint> {
  const inserted = await db.query<{ id: string }>(
    `WITH o AS (INSERT INTO orders (customer, status, amount) VALUES ('marker', 'pending', 1.00) RETURNING id)
     INSERT INTO order_items (order_id, product, quantity, unit_price) SELECT id, 'marker', 1, 1.00 FROM o
     RETURNING order_id::text AS id`,
  );
  const { rows } = await db.query<{ txid: string }>(
    'DELETE FROM orders WHERE id = $1 RETURNING txid_current()::text AS txid',
    [inserted.rows[0]?.id],
  );
  return BigInt(rows[0]?.txid ?? '0');
}

/** Waits until every model has applied the transaction `txId` (caught up by position, not by time). */
export async function waitApplied(
  store: ReadModelStore,
  models: readonly CompiledModel[],
  txId: bigint,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const model of models) {
    for (;;) {
      const applied = (await store.readSnapshot(model)).source.txId;
      if (applied !== null && BigInt(applied) >= txId) break;
      if (Date.now() > deadline)
        throw new Error(`${model.name} did not reach txId ${txId} (at ${applied ?? 'nothing'})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
