-- The ordering service's schema. Portable SQL: it runs on SQLite and PostgreSQL.
-- Timestamps are TIMESTAMPTZ in PostgreSQL; SQLite keeps them as fixed-width
-- UTC text (see times.go), whose byte order is time order.

-- +goose Up
CREATE TABLE orders (
    order_id    TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    status      TEXT NOT NULL,
    -- The items, in the order they were added, as a JSON array: an order is
    -- always read and written whole, so the items need no table of their own.
    items       TEXT NOT NULL,
    total       BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE INDEX orders_created ON orders (created_at);

-- +goose Down
DROP TABLE orders;
