-- The messaging tables of a service database, SQLite flavour (see ../postgres).

-- +goose Up
CREATE TABLE outbox (
    -- Insertion order: the relay publishes in this order.
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   TEXT NOT NULL UNIQUE,
    subject    TEXT NOT NULL,
    type       TEXT NOT NULL,
    -- The CloudEvents JSON document, exactly as it is published.
    payload    TEXT NOT NULL,
    -- The W3C trace context of the transaction that added the event, as JSON.
    headers    TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- Set once the broker has confirmed the message.
    sent_at    TEXT
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;

CREATE TABLE inbox (
    consumer     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    processed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE inbox;
DROP TABLE outbox;
