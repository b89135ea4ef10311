-- The demo domain: an operational orders table, captured by Debezium through one publication.
CREATE TABLE orders (
  id          bigserial PRIMARY KEY,
  customer    text           NOT NULL,
  status      text           NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
  amount      numeric(12, 2) NOT NULL CHECK (amount >= 0),
  created_at  timestamptz    NOT NULL DEFAULT now(),
  updated_at  timestamptz    NOT NULL DEFAULT now()
);
CREATE INDEX orders_created_at_idx ON orders (created_at);

-- Created up front (publication.autocreate.mode=disabled): Debezium's own default would need a
-- superuser and publish every table.
CREATE PUBLICATION readout_pub FOR TABLE orders;

GRANT SELECT ON orders TO debezium;
