-- The billing service's schema. Portable SQL: it runs on SQLite and PostgreSQL.
-- Timestamps are TIMESTAMPTZ in PostgreSQL; SQLite keeps them as fixed-width
-- UTC text (see times.go), whose byte order is time order.

-- +goose Up
CREATE TABLE invoices (
    invoice_id    TEXT PRIMARY KEY,
    -- One invoice per order: this is what makes CreateInvoice idempotent.
    order_id      TEXT NOT NULL UNIQUE,
    customer_id   TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    -- The billed lines as a JSON array.
    lines         TEXT NOT NULL,
    status        TEXT NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX invoices_customer ON invoices (customer_id, issued_at);
CREATE INDEX invoices_issued ON invoices (issued_at);

-- +goose Down
DROP TABLE invoices;
