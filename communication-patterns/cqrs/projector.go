package cqrs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

// Handles are the events the read model is kept from: every order event
// (each carries the whole order and its version), and the shipment and the
// invoice of each order.
var Handles = []string{messaging.OrderCreated, messaging.OrderItemAdded, messaging.OrderItemRemoved,
	messaging.OrderConfirmed, messaging.OrderCanceled, messaging.OrderShipped, messaging.OrderCompleted,
	OrderChanged, messaging.ShipmentShipped, messaging.InvoiceIssued}

// The read model's tables: the one served, and the one a rebuild fills.
const (
	liveTable    = "order_view"
	rebuildTable = "order_view_rebuild"
)

// MigrateView creates the read model's tables in db.
func MigrateView(ctx context.Context, db *store.DB) error {
	return store.MigrateSet(ctx, db, migrationFiles, "migrations/view", "goose_read_model", "read model")
}

// Projector keeps the read model from events. Applying an event is
// idempotent and commutes with applying any other: an order event changes the
// row only when it carries a newer version than the row's, a shipment or an
// invoice only moves its part of the row forward. So a duplicate, a late
// event or a replay in any order leaves the rows as the events in order do,
// and the model never moves backwards.
type Projector struct{ db *store.DB }

// NewProjector returns the projector of db, whose tables MigrateView created.
func NewProjector(db *store.DB) *Projector { return &Projector{db: db} }

// orderData is the data of an order event: the order and its version.
type orderData struct {
	domain.Order
	Version int `json:"version"`
}

// errPoison is an event the read model cannot use: it is dead-lettered.
var errPoison = errors.New("the read model cannot use this event")

// Handle records the event in the read model's log and applies it to the
// served rows, in the transaction ctx carries (the consumer's).
func (p *Projector) Handle(ctx context.Context, ev messaging.Event) error {
	if err := p.apply(ctx, liveTable, ev); err != nil {
		return err
	}
	_, err := p.db.Q(ctx).ExecContext(ctx, p.db.Rebind("INSERT INTO view_log"+
		" (event_id, type, source, subject, event_time, data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (event_id) DO NOTHING"),
		ev.ID, ev.Type, ev.Source, ev.Subject, dbTime(ev.Time), string(ev.Data), dbTime(domain.Now()))
	if err != nil {
		return fmt.Errorf("log event %s: %w", ev.ID, err)
	}
	return nil
}

// apply changes the rows of table as ev says.
func (p *Projector) apply(ctx context.Context, table string, ev messaging.Event) error {
	switch ev.Type {
	case messaging.ShipmentShipped:
		var s domain.Shipment
		if err := ev.DecodeData(&s); err != nil || s.OrderID == "" || s.ShipmentID == "" {
			return fmt.Errorf("%w: %s without an order and a shipment: %v", errPoison, ev.Type, err)
		}
		shipped := ""
		if s.ShippedAt != nil {
			shipped = dbTime(*s.ShippedAt)
		}
		return p.exec(ctx, "INSERT INTO "+table+" (order_id, shipment_id, shipment_status, shipped_at) VALUES (?, ?, ?, ?)"+
			" ON CONFLICT (order_id) DO UPDATE SET shipment_id = excluded.shipment_id,"+
			" shipment_status = excluded.shipment_status, shipped_at = excluded.shipped_at"+
			" WHERE "+rank(table+".shipment_status")+" < "+rank("excluded.shipment_status"),
			s.OrderID, s.ShipmentID, string(s.Status), shipped)
	case messaging.InvoiceIssued:
		var inv domain.Invoice
		if err := ev.DecodeData(&inv); err != nil || inv.OrderID == "" || inv.InvoiceID == "" {
			return fmt.Errorf("%w: %s without an order and an invoice: %v", errPoison, ev.Type, err)
		}
		return p.exec(ctx, "INSERT INTO "+table+" (order_id, invoice_id, invoice_status, invoice_amount) VALUES (?, ?, ?, ?)"+
			" ON CONFLICT (order_id) DO UPDATE SET invoice_id = excluded.invoice_id,"+
			" invoice_status = excluded.invoice_status, invoice_amount = excluded.invoice_amount"+
			" WHERE "+rank(table+".invoice_status")+" < "+rank("excluded.invoice_status"),
			inv.OrderID, inv.InvoiceID, string(inv.Status), inv.Amount)
	}
	var o orderData
	if err := ev.DecodeData(&o); err != nil || o.OrderID == "" || o.Version < 1 || !domain.ValidOrderStatus(string(o.Status)) {
		return fmt.Errorf("%w: %s without an order, its status and its version: %v", errPoison, ev.Type, err)
	}
	items, err := json.Marshal(orEmpty(o.Items))
	if err != nil {
		return err
	}
	return p.exec(ctx, "INSERT INTO "+table+" (order_id, version, customer_id, name, description, status, items,"+
		" total, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (order_id) DO UPDATE SET version = excluded.version, customer_id = excluded.customer_id,"+
		" name = excluded.name, description = excluded.description, status = excluded.status,"+
		" items = excluded.items, total = excluded.total, currency = excluded.currency,"+
		" created_at = excluded.created_at, updated_at = excluded.updated_at"+
		" WHERE "+table+".version < excluded.version",
		o.OrderID, o.Version, o.CustomerID, o.Name, o.Description, string(o.Status), string(items),
		o.Total, o.Currency, dbTime(o.CreatedAt), dbTime(o.UpdatedAt))
}

// rank orders the states of a shipment or an invoice: none, then PENDING,
// then the final one (SHIPPED, ISSUED). A part of a row only moves forward.
func rank(col string) string {
	return "(CASE " + col + " WHEN '' THEN 0 WHEN 'PENDING' THEN 1 ELSE 2 END)"
}

func (p *Projector) exec(ctx context.Context, query string, args ...any) error {
	if _, err := p.db.Q(ctx).ExecContext(ctx, p.db.Rebind(query), args...); err != nil {
		return messaging.Retryable(fmt.Errorf("project: %w", err))
	}
	return nil
}

// RebuildResult is what a rebuild did.
type RebuildResult struct {
	Events      int  `json:"events"`      // events replayed from the log
	Orders      int  `json:"orders"`      // rows of the fresh tables the queries serve
	Differences int  `json:"differences"` // rows the fresh tables and the old ones did not agree on
	Identical   bool `json:"identical"`   // no difference
}

// Rebuild replays the read model's log into fresh tables, compares them with
// the served ones, and serves the fresh rows from then on, in one
// transaction: the consumer's next event waits for it and applies on top.
func (p *Projector) Rebuild(ctx context.Context) (RebuildResult, error) {
	var res RebuildResult
	err := p.db.InTx(ctx, func(ctx context.Context) error {
		q := p.db.Q(ctx)
		if p.db.Dialect == store.Postgres {
			if _, err := q.ExecContext(ctx, "LOCK TABLE "+liveTable+", view_log IN EXCLUSIVE MODE"); err != nil {
				return err
			}
		}
		if _, err := q.ExecContext(ctx, "DELETE FROM "+rebuildTable); err != nil {
			return err
		}
		log, err := p.Log(ctx)
		if err != nil {
			return err
		}
		for _, ev := range log {
			if err := p.apply(ctx, rebuildTable, ev); err != nil {
				return fmt.Errorf("replay event %s: %w", ev.ID, err)
			}
		}
		res.Events = len(log)
		if res.Differences, err = p.differences(ctx, liveTable, rebuildTable); err != nil {
			return err
		}
		res.Identical = res.Differences == 0
		for _, stmt := range []string{"DELETE FROM " + liveTable,
			"INSERT INTO " + liveTable + " SELECT * FROM " + rebuildTable, "DELETE FROM " + rebuildTable} {
			if _, err := q.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		return q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+liveTable+" WHERE version > 0").Scan(&res.Orders)
	})
	return res, err
}

// Log returns the events of the read model's log, in the order they came.
func (p *Projector) Log(ctx context.Context) ([]messaging.Event, error) {
	rows, err := p.db.Q(ctx).QueryContext(ctx,
		"SELECT event_id, type, source, subject, event_time, data FROM view_log ORDER BY received_at, event_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []messaging.Event
	for rows.Next() {
		ev := messaging.Event{SpecVersion: messaging.SpecVersion, DataContentType: messaging.DataContentType}
		var at, data string
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.Source, &ev.Subject, &at, &data); err != nil {
			return nil, err
		}
		if ev.Time, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, err
		}
		ev.Data = json.RawMessage(data)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Rows returns every row of table, each as one line of text, by order id: what
// two read models must agree on.
func (p *Projector) Rows(ctx context.Context, table string) ([]string, error) {
	if table != liveTable && table != rebuildTable {
		return nil, fmt.Errorf("no table %s", table)
	}
	rows, err := p.db.Q(ctx).QueryContext(ctx, "SELECT "+rowColumns+" FROM "+table+" ORDER BY order_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r viewRow
		if err := r.scan(rows); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("%+v", r))
	}
	return out, rows.Err()
}

// differences counts the rows on which two tables disagree.
func (p *Projector) differences(ctx context.Context, a, b string) (int, error) {
	ra, err := p.Rows(ctx, a)
	if err != nil {
		return 0, err
	}
	rb, err := p.Rows(ctx, b)
	if err != nil {
		return 0, err
	}
	in := map[string]int{}
	for _, r := range ra {
		in[r]++
	}
	for _, r := range rb {
		in[r]--
	}
	n := 0
	for _, c := range in {
		n += max(c, -c)
	}
	return n, nil
}

// rowColumns are the columns of a row, in viewRow's order.
const rowColumns = "order_id, version, customer_id, name, description, status, items, total, currency," +
	" created_at, updated_at, shipment_id, shipment_status, shipped_at, invoice_id, invoice_status, invoice_amount"

// viewRow is one row of the read model.
type viewRow struct {
	OrderID, CustomerID, Name, Description, Status, Items, Currency string
	Version                                                         int
	Total, InvoiceAmount                                            int64
	CreatedAt, UpdatedAt                                            string
	ShipmentID, ShipmentStatus, ShippedAt                           string
	InvoiceID, InvoiceStatus                                        string
}

type scanner interface{ Scan(dest ...any) error }

func (r *viewRow) scan(s scanner) error {
	return s.Scan(&r.OrderID, &r.Version, &r.CustomerID, &r.Name, &r.Description, &r.Status, &r.Items, &r.Total,
		&r.Currency, &r.CreatedAt, &r.UpdatedAt, &r.ShipmentID, &r.ShipmentStatus, &r.ShippedAt, &r.InvoiceID,
		&r.InvoiceStatus, &r.InvoiceAmount)
}

func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// timeLayout is how a time is stored: UTC with exactly six fractional digits,
// so that the text sorts as the time does.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

func dbTime(t time.Time) string { return t.UTC().Format(timeLayout) }
