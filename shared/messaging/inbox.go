// Pattern: Idempotent consumer (inbox). A broker delivers at least once: a
// message comes again when the consumer dies after its effect but before its
// ack, and the relay publishes again when a confirm was lost with the
// connection. Recording each processed event id in an inbox table, in the same
// transaction as the handler's effect, turns every repeat into a no-op.

package messaging

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/store"
)

// claim records that consumer processes eventID, within the transaction ctx
// carries, and reports whether it is the first time. In PostgreSQL a concurrent
// claim of the same id waits for this transaction and then finds the row.
func claim(ctx context.Context, db *store.DB, consumer, eventID string) (bool, error) {
	res, err := db.Q(ctx).ExecContext(ctx,
		db.Rebind(`INSERT INTO inbox (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING`), consumer, eventID)
	if err != nil {
		return false, fmt.Errorf("record event %s in the inbox: %w", eventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record event %s in the inbox: %w", eventID, err)
	}
	return n == 1, nil
}

// Processed reports whether consumer has processed the event.
func Processed(ctx context.Context, db *store.DB, consumer, eventID string) (bool, error) {
	var n int
	err := db.Q(ctx).QueryRowContext(ctx,
		db.Rebind(`SELECT COUNT(*) FROM inbox WHERE consumer = ? AND event_id = ?`), consumer, eventID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up event %s in the inbox: %w", eventID, err)
	}
	return n > 0, nil
}

// once runs h for ev in one transaction with the inbox record: either both the
// effect and the record commit, or neither. An event already in the inbox is a
// duplicate: h does not run and once succeeds, so the message is acked. A
// failure of the transaction itself (not of h) is retryable.
func (c *Consumer) once(ctx context.Context, ev Event, h Handler) error {
	var handlerErr error
	err := c.inTx(ctx, func(ctx context.Context) error {
		fresh, err := claim(ctx, c.db, c.service, ev.ID)
		if err != nil {
			return err
		}
		if !fresh {
			c.log.Debug("duplicate event skipped", "id", ev.ID, "type", ev.Type)
			markDuplicate(ctx)
			return nil
		}
		handlerErr = h(ctx, ev)
		return handlerErr
	})
	if err != nil && handlerErr == nil {
		return Retryable(err)
	}
	return err
}

// inTx runs fn in a transaction, through the outbox when there is one so that
// its relay is nudged as soon as the handler's events have committed.
func (c *Consumer) inTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if c.cfg.Outbox != nil {
		return c.cfg.Outbox.InTx(ctx, fn)
	}
	return c.db.InTx(ctx, fn)
}
