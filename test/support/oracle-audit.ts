import type pg from 'pg';

/**
 * A test-only audit of moves into "shipped", kept by a trigger in the same transaction as the
 * change: the oracle of the orders_shipped_per_minute flow model. Not in the publication, so
 * Debezium never sees it.
 */
export async function installShippedAudit(db: pg.ClientBase): Promise<void> {
  await db.query(`
    CREATE TABLE IF NOT EXISTS test_shipped_audit (order_id bigint NOT NULL, amount numeric(12, 2) NOT NULL);
    CREATE OR REPLACE FUNCTION test_audit_shipped() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status = 'shipped' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'shipped') THEN
        INSERT INTO test_shipped_audit (order_id, amount) VALUES (NEW.id, NEW.amount);
      END IF;
      RETURN NEW;
    END $$;
    DROP TRIGGER IF EXISTS test_audit_shipped ON orders;
    CREATE TRIGGER test_audit_shipped AFTER INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION test_audit_shipped();
  `);
}

export async function shippedAudit(db: pg.ClientBase): Promise<{ count: bigint; amount: string }> {
  const { rows } = await db.query<{ count: string; amount: string }>(
    'SELECT count(*)::text AS count, coalesce(sum(amount), 0)::text AS amount FROM test_shipped_audit',
  );
  return { count: BigInt(rows[0]?.count ?? '0'), amount: rows[0]?.amount ?? '0' };
}
