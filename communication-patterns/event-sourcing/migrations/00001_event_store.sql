-- The event store of the ordering service: each order is a stream of events,
-- and nothing else is the source of truth. The same SQL for SQLite and
-- PostgreSQL; the append-only triggers, which the two write differently, are
-- migration 2 (appendonly.go). Times are UTC text with six fractional digits,
-- so their byte order is time order.

-- +goose Up
CREATE TABLE order_streams (
    order_id    TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX order_streams_customer ON order_streams (customer_id);

-- One row per event. The key (order_id, version) is the optimistic concurrency
-- check: two writers that read the same version both try to append the next
-- one, and the second insert fails.
CREATE TABLE order_events (
    order_id       TEXT    NOT NULL REFERENCES order_streams (order_id),
    version        INTEGER NOT NULL CHECK (version >= 1),
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL,
    recorded_at    TEXT    NOT NULL,
    PRIMARY KEY (order_id, version)
);

-- The state of an order after its first `version` events, so that a load
-- folds only the events after it. A cache: deleting every row loses nothing.
CREATE TABLE order_snapshots (
    order_id       TEXT    PRIMARY KEY REFERENCES order_streams (order_id),
    version        INTEGER NOT NULL,
    schema_version INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    taken_at       TEXT    NOT NULL
);

-- +goose Down
DROP TABLE order_snapshots;
DROP TABLE order_events;
DROP TABLE order_streams;
