-- Local copies of other services' data, kept from their events (event-carried
-- state transfer). Portable SQL: it runs on SQLite and PostgreSQL. A copy is
-- never the truth: the owner's events fill it, and its replay refills it.

-- +goose Up
CREATE TABLE replica_customers (
    customer_id TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    address     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE replica_products (
    product_id  TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    stock       INTEGER NOT NULL,
    price       BIGINT NOT NULL,
    currency    TEXT NOT NULL
);

-- +goose Down
DROP TABLE replica_products;
DROP TABLE replica_customers;
