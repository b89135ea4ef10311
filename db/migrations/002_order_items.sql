-- A second captured table: the lines of each order.
CREATE TABLE order_items (
  id          bigserial PRIMARY KEY,
  order_id    bigint         NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product     text           NOT NULL,
  quantity    integer        NOT NULL CHECK (quantity > 0),
  unit_price  numeric(10, 2) NOT NULL CHECK (unit_price >= 0)
);
CREATE INDEX order_items_order_id_idx ON order_items (order_id);

ALTER PUBLICATION readout_pub ADD TABLE order_items;
GRANT SELECT ON order_items TO debezium;
