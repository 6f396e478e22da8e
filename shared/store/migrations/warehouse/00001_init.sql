-- The warehouse service's schema. Portable SQL: it runs on SQLite and PostgreSQL.
-- Timestamps are TIMESTAMPTZ in PostgreSQL; SQLite keeps them as fixed-width
-- UTC text (see times.go), whose byte order is time order.

-- +goose Up
CREATE TABLE products (
    product_id  TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The CHECK is the last line of defence against overselling.
    stock       INTEGER NOT NULL CHECK (stock >= 0),
    price       BIGINT NOT NULL CHECK (price >= 0),
    currency    TEXT NOT NULL
);

CREATE TABLE reservations (
    reservation_id TEXT PRIMARY KEY,
    order_id       TEXT NOT NULL,
    -- One reservation per order item: this is what makes Reserve idempotent.
    item_id        TEXT NOT NULL UNIQUE,
    product_id     TEXT NOT NULL REFERENCES products (product_id),
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    unit_price     BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX reservations_order ON reservations (order_id, created_at);
CREATE INDEX reservations_created ON reservations (created_at);

-- +goose Down
DROP TABLE reservations;
DROP TABLE products;
