-- The write side's version of each order: one more for every event ordering
-- publishes about it, counted in the transaction of the change. The events
-- carry it, so the read model can tell a newer state from an older one. The
-- same SQL for SQLite and PostgreSQL.

-- +goose Up
CREATE TABLE order_versions (
    order_id TEXT    PRIMARY KEY,
    version  INTEGER NOT NULL CHECK (version >= 1)
);

-- +goose Down
DROP TABLE order_versions;
