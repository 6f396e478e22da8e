package messaging

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

// migrationFiles holds the sagas table, one folder per dialect; goose records
// them in goose_sagas, beside the service's own (orderingStore runs them).
//
//go:embed migrations
var migrationFiles embed.FS

// sagas keeps the sagas of ordering's database. Every method joins the
// transaction its ctx carries.
type sagas struct{ db *store.DB }

const sagaColumns = "order_id, step, status, deadline_ms, attempts, reason"

func scanSaga(row interface{ Scan(...any) error }) (Saga, error) {
	var s Saga
	var step, status string
	var deadline int64
	if err := row.Scan(&s.OrderID, &step, &status, &deadline, &s.Attempts, &s.Reason); err != nil {
		return Saga{}, err
	}
	s.Step, s.Status = Step(step), Status(status)
	if deadline > 0 {
		s.Deadline = time.UnixMilli(deadline).UTC()
	}
	return s, nil
}

// lock reads the saga of the order and, in PostgreSQL, locks its row until the
// transaction ends; ok is false when the order has none.
func (r sagas) lock(ctx context.Context, orderID string) (s Saga, ok bool, err error) {
	s, err = scanSaga(r.db.Q(ctx).QueryRowContext(ctx,
		r.db.Rebind("SELECT "+sagaColumns+" FROM sagas WHERE order_id = ?"+r.db.ForUpdate()), orderID))
	if errors.Is(err, sql.ErrNoRows) {
		return Saga{}, false, nil
	}
	if err != nil {
		return Saga{}, false, fmt.Errorf("read the saga of order %s: %w", orderID, err)
	}
	return s, true, nil
}

// put stores the saga, new or not.
func (r sagas) put(ctx context.Context, s Saga) error {
	var deadline int64
	if !s.Deadline.IsZero() {
		deadline = s.Deadline.UnixMilli()
	}
	_, err := r.db.Q(ctx).ExecContext(ctx, r.db.Rebind(`INSERT INTO sagas (`+sagaColumns+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (order_id) DO UPDATE SET step = excluded.step, status = excluded.status,
		deadline_ms = excluded.deadline_ms, attempts = excluded.attempts, reason = excluded.reason`),
		s.OrderID, string(s.Step), string(s.Status), deadline, s.Attempts, s.Reason)
	if err != nil {
		return fmt.Errorf("store the saga of order %s: %w", s.OrderID, err)
	}
	return nil
}

// due lists the orders whose open saga's deadline is before t, oldest first.
func (r sagas) due(ctx context.Context, t time.Time, limit int) ([]string, error) {
	rows, err := r.db.Q(ctx).QueryContext(ctx, r.db.Rebind(`SELECT order_id FROM sagas
		WHERE status IN (?, ?) AND deadline_ms < ? ORDER BY deadline_ms LIMIT ?`),
		string(Running), string(Compensating), t.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("list the due sagas: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// reason is why the saga of a CANCELED order cancelled it ("" when it did not).
func (r sagas) reason(ctx context.Context, o domain.Order) (string, error) {
	if o.Status != domain.OrderCanceled {
		return "", nil
	}
	var reason string
	err := r.db.Q(ctx).QueryRowContext(ctx, r.db.Rebind("SELECT reason FROM sagas WHERE order_id = ? AND status = ?"),
		o.OrderID, string(Compensated)).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the saga of order %s: %w", o.OrderID, err)
	}
	return reason, nil
}
