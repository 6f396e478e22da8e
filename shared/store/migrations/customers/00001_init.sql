-- The customers service's schema. Portable SQL: it runs on SQLite and PostgreSQL.
-- Timestamps are TIMESTAMPTZ in PostgreSQL; SQLite keeps them as fixed-width
-- UTC text (see times.go), whose byte order is time order.

-- +goose Up
CREATE TABLE customers (
    customer_id TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    address     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
-- An email is taken whatever its letter case.
CREATE UNIQUE INDEX customers_email ON customers (lower(email));
CREATE INDEX customers_created ON customers (created_at);

-- +goose Down
DROP TABLE customers;
