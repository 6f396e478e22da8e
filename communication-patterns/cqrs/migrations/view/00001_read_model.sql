-- The read model of the orders: one denormalised row per order (the order,
-- its items as JSON, its shipment and its invoice), in a database of its own
-- (SQLite) or tables of their own (PostgreSQL), written only by the read
-- model's consumer. order_view_rebuild has the same shape: a rebuild replays
-- the log into it, compares, and copies it over order_view. Times are UTC
-- text with six fractional digits, so their byte order is time order.

-- +goose Up
CREATE TABLE order_view (
    order_id        TEXT    PRIMARY KEY,
    -- The write side's version of the order the row shows; 0 while only a
    -- shipment or an invoice of the order has arrived (the row is not served).
    version         INTEGER NOT NULL DEFAULT 0,
    customer_id     TEXT    NOT NULL DEFAULT '',
    name            TEXT    NOT NULL DEFAULT '',
    description     TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT '',
    items           TEXT    NOT NULL DEFAULT '[]',
    total           BIGINT  NOT NULL DEFAULT 0,
    currency        TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL DEFAULT '',
    updated_at      TEXT    NOT NULL DEFAULT '',
    shipment_id     TEXT    NOT NULL DEFAULT '',
    shipment_status TEXT    NOT NULL DEFAULT '',
    shipped_at      TEXT    NOT NULL DEFAULT '',
    invoice_id      TEXT    NOT NULL DEFAULT '',
    invoice_status  TEXT    NOT NULL DEFAULT '',
    invoice_amount  BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX order_view_list ON order_view (created_at, order_id);
CREATE INDEX order_view_customer ON order_view (customer_id, created_at);

CREATE TABLE order_view_rebuild (
    order_id        TEXT    PRIMARY KEY,
    version         INTEGER NOT NULL DEFAULT 0,
    customer_id     TEXT    NOT NULL DEFAULT '',
    name            TEXT    NOT NULL DEFAULT '',
    description     TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT '',
    items           TEXT    NOT NULL DEFAULT '[]',
    total           BIGINT  NOT NULL DEFAULT 0,
    currency        TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL DEFAULT '',
    updated_at      TEXT    NOT NULL DEFAULT '',
    shipment_id     TEXT    NOT NULL DEFAULT '',
    shipment_status TEXT    NOT NULL DEFAULT '',
    shipped_at      TEXT    NOT NULL DEFAULT '',
    invoice_id      TEXT    NOT NULL DEFAULT '',
    invoice_status  TEXT    NOT NULL DEFAULT '',
    invoice_amount  BIGINT  NOT NULL DEFAULT 0
);

-- Every event the read model consumed, once (the inbox drops repeats): the
-- log a rebuild replays.
CREATE TABLE view_log (
    event_id    TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    source      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    event_time  TEXT NOT NULL,
    data        TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX view_log_received ON view_log (received_at, event_id);

-- +goose Down
DROP TABLE view_log;
DROP TABLE order_view_rebuild;
DROP TABLE order_view;
