package cqrs

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

// openViewDB opens a fresh read model on a SQLite file of the test's own.
func openViewDB(t *testing.T) (*store.DB, *View) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "", filepath.Join(t.TempDir(), "ordering-view.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := MigrateView(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db, NewView(db)
}

// handle applies ev in a transaction, as the consumer does.
func handle(t *testing.T, db *store.DB, v *View, ev messaging.Event) error {
	t.Helper()
	return db.InTx(context.Background(), func(ctx context.Context) error { return v.Handle(ctx, ev) })
}

func mustHandle(t *testing.T, db *store.DB, v *View, evs ...messaging.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := handle(t, db, v, ev); err != nil {
			t.Fatalf("handle %s: %v", ev.Type, err)
		}
	}
}

func event(t *testing.T, source, typ, subject string, data any) messaging.Event {
	t.Helper()
	ev, err := messaging.NewEvent(source, typ, subject, data)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// history is one order's life as the read model hears it: five versions of
// the order, then its shipment and its invoice.
func history(t *testing.T) (string, []messaging.Event) {
	t.Helper()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o := domain.Order{OrderID: domain.NewID(), CustomerID: domain.NewID(), Name: "n", Status: domain.OrderOpen,
		Items: []domain.OrderItem{}, Currency: domain.Currency, CreatedAt: now, UpdatedAt: now}
	var evs []messaging.Event
	version := 0
	emit := func(typ string) {
		version++
		o.UpdatedAt = now.Add(time.Duration(version) * time.Second)
		c := o
		c.Items = slices.Clone(o.Items)
		evs = append(evs, event(t, "/ordering", typ, o.OrderID, orderData{Order: c, Version: version}))
	}
	emit(messaging.OrderCreated)
	o.Items = append(o.Items, domain.OrderItem{ItemID: domain.NewID(), ProductID: domain.NewID(), Quantity: 2,
		UnitPrice: 150, Status: domain.ItemPending})
	emit(messaging.OrderItemAdded)
	o.Items[0].Status, o.Items[0].ReservationID, o.Total = domain.ItemReserved, domain.NewID(), 300
	emit(OrderChanged)
	o.Status = domain.OrderConfirmed
	emit(messaging.OrderConfirmed)
	o.Status = domain.OrderShipped
	emit(messaging.OrderShipped)
	shipped := now.Add(time.Minute)
	evs = append(evs, event(t, "/shipping", messaging.ShipmentShipped, domain.NewID(), domain.Shipment{
		ShipmentID: domain.NewID(), OrderID: o.OrderID, Status: domain.ShipmentShipped, ShippedAt: &shipped}))
	evs = append(evs, event(t, "/billing", messaging.InvoiceIssued, domain.NewID(), domain.Invoice{
		InvoiceID: domain.NewID(), OrderID: o.OrderID, Status: domain.InvoiceIssued, Amount: 300}))
	return o.OrderID, evs
}

func rows(t *testing.T, v *View) []string {
	t.Helper()
	r, err := v.Projector().Rows(context.Background(), liveTable)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestProjector_inOrder: the events in order give one row with the last
// version of the order, its shipment and its invoice.
func TestProjector_inOrder(t *testing.T) {
	db, v := openViewDB(t)
	id, evs := history(t)
	mustHandle(t, db, v, evs...)
	o, err := v.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if o.Version != 5 || o.Status != domain.OrderShipped || o.Total != 300 || len(o.Items) != 1 ||
		o.Items[0].Status != domain.ItemReserved {
		t.Errorf("order: got version %d %s total %d items %+v; want version 5 SHIPPED total 300, one RESERVED item",
			o.Version, o.Status, o.Total, o.Items)
	}
	if o.Shipment == nil || o.Shipment.Status != domain.ShipmentShipped || o.Shipment.ShippedAt == nil {
		t.Errorf("shipment: got %+v, want SHIPPED with its time", o.Shipment)
	}
	if o.Invoice == nil || o.Invoice.Status != domain.InvoiceIssued || o.Invoice.Amount != 300 {
		t.Errorf("invoice: got %+v, want ISSUED of 300", o.Invoice)
	}
}

// TestProjector_idempotent: every event applied twice leaves the rows as once.
func TestProjector_idempotent(t *testing.T) {
	dbOnce, once := openViewDB(t)
	dbTwice, twice := openViewDB(t)
	_, evs := history(t)
	mustHandle(t, dbOnce, once, evs...)
	for _, ev := range evs {
		mustHandle(t, dbTwice, twice, ev, ev)
	}
	mustHandle(t, dbTwice, twice, evs...) // and the whole history again
	if a, b := rows(t, once), rows(t, twice); !slices.Equal(a, b) {
		t.Errorf("twice:\n%v\nonce:\n%v", b, a)
	}
}

// TestProjector_outOfOrder: a late event never moves the row backwards, and
// the events in any order give the rows they give in order.
func TestProjector_outOfOrder(t *testing.T) {
	dbRef, ref := openViewDB(t)
	id, evs := history(t)
	mustHandle(t, dbRef, ref, evs...)
	want := rows(t, ref)

	dbLate, late := openViewDB(t)
	mustHandle(t, dbLate, late, evs[3], evs[1]) // confirmed (v4), then the item added (v2) arrives late
	if o, err := late.Order(context.Background(), id); err != nil || o.Version != 4 || o.Status != domain.OrderConfirmed {
		t.Errorf("after v4 then v2: got version %d %s (%v), want version 4 CONFIRMED", o.Version, o.Status, err)
	}

	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		shuffled := slices.Clone(evs)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		db, v := openViewDB(t)
		mustHandle(t, db, v, shuffled...)
		if got := rows(t, v); !slices.Equal(got, want) {
			t.Fatalf("shuffled:\n%v\nin order:\n%v", got, want)
		}
	}
}

// TestProjector_unseenOrder: a shipment that comes before its order keeps a
// row the queries do not serve, until the order's first event.
func TestProjector_unseenOrder(t *testing.T) {
	db, v := openViewDB(t)
	id, evs := history(t)
	mustHandle(t, db, v, evs[5])
	if _, err := v.Order(context.Background(), id); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("an order only its shipment told of: got %v, want not found", err)
	}
	if list, err := v.Orders(context.Background(), "", "", domain.Page{}); err != nil || len(list) != 0 {
		t.Errorf("list: got %d orders (%v), want none", len(list), err)
	}
	mustHandle(t, db, v, evs[0])
	o, err := v.Order(context.Background(), id)
	if err != nil || o.Version != 1 || o.Shipment == nil {
		t.Errorf("after order.created: got %+v (%v), want version 1 with the shipment", o, err)
	}
}

// TestProjector_rebuild: replaying the log into fresh tables gives the same
// rows; rows the served tables lost come back, counted as differences.
func TestProjector_rebuild(t *testing.T) {
	ctx := context.Background()
	db, v := openViewDB(t)
	for range 3 {
		_, evs := history(t)
		mustHandle(t, db, v, evs...)
	}
	before := rows(t, v)
	res, err := v.Projector().Rebuild(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Identical || res.Differences != 0 || res.Events != 21 || res.Orders != 3 {
		t.Errorf("rebuild: got %+v, want 21 events, 3 orders, identical", res)
	}
	if after := rows(t, v); !slices.Equal(after, before) {
		t.Errorf("after the rebuild:\n%v\nbefore:\n%v", after, before)
	}
	if _, err := db.SQL.ExecContext(ctx, "UPDATE order_view SET total = 1 WHERE order_id = (SELECT MIN(order_id) FROM order_view)"); err != nil {
		t.Fatal(err)
	}
	if res, err = v.Projector().Rebuild(ctx); err != nil || res.Identical || res.Differences != 2 {
		t.Errorf("rebuild of a damaged row: got %+v (%v), want 2 differences (the old row and the new)", res, err)
	}
	if after := rows(t, v); !slices.Equal(after, before) {
		t.Errorf("the rebuild did not repair the row:\n%v\nwant:\n%v", after, before)
	}
}

// TestProjector_poison: an order event without a version, or without an
// order, is refused for good (dead-lettered) and changes nothing.
func TestProjector_poison(t *testing.T) {
	db, v := openViewDB(t)
	for _, ev := range []messaging.Event{
		event(t, "/test", messaging.OrderCreated, "x", map[string]string{"orderId": domain.NewID(), "status": "OPEN"}),
		event(t, "/test", messaging.OrderConfirmed, "x", map[string]any{"version": 3}),
		event(t, "/test", messaging.ShipmentShipped, "x", map[string]string{"status": "SHIPPED"}),
		{SpecVersion: messaging.SpecVersion, ID: domain.NewID(), Source: "/test", Type: messaging.InvoiceIssued, Data: []byte(`[1]`)},
	} {
		err := handle(t, db, v, ev)
		if !errors.Is(err, errPoison) || messaging.IsRetryable(err) {
			t.Errorf("%s %s: got %v, want a permanent refusal", ev.Type, ev.Data, err)
		}
	}
	if r := rows(t, v); len(r) != 0 {
		t.Errorf("rows after poison: %v, want none", r)
	}
	log, err := v.Projector().Log(context.Background())
	if err != nil || len(log) != 0 {
		t.Errorf("log after poison: %d events (%v), want none", len(log), err)
	}
}

// TestLagWindow: the quantiles of the lags measured.
func TestLagWindow(t *testing.T) {
	w := newLagWindow(4)
	if s := w.stats(); s.Events != 0 || s.P99Ms != 0 {
		t.Errorf("empty: %+v", s)
	}
	for _, d := range []time.Duration{5, 1, 3, 2, 4} { // the first falls out of the window
		w.add(d * time.Millisecond)
	}
	s := w.stats()
	if s.Events != 4 || s.P50Ms != 2 || s.P99Ms != 4 || s.MaxMs != 4 || s.LastMs != 4 {
		t.Errorf("got %+v, want 4 events, p50 2, p99 4, max 4, last 4", s)
	}
}
