-- The messaging tables of a service database, PostgreSQL flavour (see ../sqlite).

-- +goose Up
CREATE TABLE outbox (
    -- Insertion order: the relay publishes in this order. A sequence value is
    -- taken at insert time, so rows may commit out of seq order; the relay reads
    -- every unsent row each round, so a late commit is published, not skipped.
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id   TEXT NOT NULL UNIQUE,
    subject    TEXT NOT NULL,
    type       TEXT NOT NULL,
    -- The CloudEvents JSON document, exactly as it is published.
    payload    TEXT NOT NULL,
    -- The W3C trace context of the transaction that added the event, as JSON.
    headers    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- Set once the broker has confirmed the message.
    sent_at    TIMESTAMPTZ
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;

CREATE TABLE inbox (
    consumer     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE inbox;
DROP TABLE outbox;
