-- The shipping service's schema. Portable SQL: it runs on SQLite and PostgreSQL.
-- Timestamps are TIMESTAMPTZ in PostgreSQL; SQLite keeps them as fixed-width
-- UTC text (see times.go), whose byte order is time order.

-- +goose Up
CREATE TABLE shipments (
    shipment_id TEXT PRIMARY KEY,
    -- One shipment per order: this is what makes CreateShipment idempotent.
    order_id    TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    address     TEXT NOT NULL,
    -- The shipped lines as a JSON array.
    items       TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    shipped_at  TIMESTAMPTZ
);
CREATE INDEX shipments_status ON shipments (status, created_at);
CREATE INDEX shipments_created ON shipments (created_at);

-- +goose Down
DROP TABLE shipments;
