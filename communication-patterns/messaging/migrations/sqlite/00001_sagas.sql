-- +goose Up
-- One row per confirmed order: where its saga is (messaging base).
CREATE TABLE sagas (
    order_id    TEXT PRIMARY KEY,
    step        TEXT NOT NULL,
    status      TEXT NOT NULL,
    deadline_ms BIGINT NOT NULL,
    attempts    INTEGER NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sagas_due ON sagas (status, deadline_ms);

-- +goose Down
DROP TABLE sagas;
