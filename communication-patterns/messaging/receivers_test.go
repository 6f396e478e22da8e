package messaging

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/domain"
	broker "github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/store"
	"github.com/microservice-patterns/lab/shared/store/storetest"
)

// warehouseParts is a warehouse on a fresh SQLite database, seeded, as the
// receivers see it.
func warehouseParts(t *testing.T) *app.Parts {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t, "warehouse")
	if err := broker.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	w := warehouse.New(store.NewWarehouse(db))
	if err := w.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	return &app.Parts{Deps: app.Deps{Config: config.Service{Name: "warehouse"}, Log: slog.New(slog.DiscardHandler)},
		DB: db, Outbox: broker.NewOutbox(db), Warehouse: w}
}

// deliver hands the command to the receiver as a new message (a new id, as
// a command sent again after a timeout has), in one transaction.
func deliver(t *testing.T, p *app.Parts, name string, do perform, c Command) {
	t.Helper()
	ctx := context.Background()
	c.CorrelationID = correlation(c.OrderID, name) // as send sets it
	ev, err := broker.NewEvent("/ordering", commandType(name), c.OrderID, c)
	if err != nil {
		t.Fatal(err)
	}
	h, err := receiver(name, do)(p)(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Outbox.InTx(ctx, func(ctx context.Context) error { return h(ctx, ev) }); err != nil {
		t.Fatal(err)
	}
}

// outboxReplies reads the replies the receiver wrote to its outbox.
func outboxReplies(t *testing.T, p *app.Parts) []Reply {
	t.Helper()
	rows, err := p.DB.SQL.Query(p.DB.Rebind("SELECT payload FROM outbox WHERE type = ? ORDER BY seq"), Replies)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Reply
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			t.Fatal(err)
		}
		ev, err := broker.ParseEvent([]byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		var r Reply
		if err := ev.DecodeData(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func (p *testParts) stock(t *testing.T, productID string) int {
	t.Helper()
	pr, err := p.Warehouse.Product(context.Background(), productID)
	if err != nil {
		t.Fatal(err)
	}
	return pr.Stock
}

type testParts struct{ *app.Parts }

// A command sent twice (the first reply was late, the saga sent it again) has
// the effect of one: one reservation, the stock taken once, and both replies
// name the same reservation; releasing twice returns the stock once.
func TestReceiver_retriedCommandAppliedOnce(t *testing.T) {
	p := testParts{warehouseParts(t)}
	kb := warehouse.Seed[0]
	c := Command{OrderID: domain.NewID(), ReplyTo: Replies, ItemID: domain.NewID(), ProductID: kb.ProductID, Quantity: 3}
	deliver(t, p.Parts, ReserveStock, reserveStock, c)
	deliver(t, p.Parts, ReserveStock, reserveStock, c)
	rs, err := p.Warehouse.Reservations(context.Background(), c.OrderID, domain.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Status != domain.ReservationReserved {
		t.Fatalf("reservations after reserve-stock twice: got %+v, want one RESERVED", rs)
	}
	if got := p.stock(t, kb.ProductID); got != kb.Stock-3 {
		t.Errorf("stock: got %d, want %d (taken once)", got, kb.Stock-3)
	}
	got := outboxReplies(t, p.Parts)
	if len(got) != 2 || got[0].Reservation == nil || got[1].Reservation == nil ||
		got[0].Reservation.ReservationID != got[1].Reservation.ReservationID || got[1].Command != ReserveStock ||
		got[1].CorrelationID != correlation(c.OrderID, ReserveStock) {
		t.Errorf("replies: got %+v, want two naming the same reservation, correlated", got)
	}
	release := Command{OrderID: c.OrderID, ReplyTo: Replies}
	deliver(t, p.Parts, string(ReleaseReservation), releaseReservations, release)
	deliver(t, p.Parts, string(ReleaseReservation), releaseReservations, release)
	if got := p.stock(t, kb.ProductID); got != kb.Stock {
		t.Errorf("stock after release-reservation twice: got %d, want %d (returned once)", got, kb.Stock)
	}
}

// A command that arrives after its sender's deadline is dropped: no effect,
// no reply — the sender has sent it again or compensated meanwhile.
func TestReceiver_expiredCommandDropped(t *testing.T) {
	p := testParts{warehouseParts(t)}
	kb := warehouse.Seed[1]
	past := domain.Now().Add(-time.Second)
	deliver(t, p.Parts, ReserveStock, reserveStock, Command{OrderID: domain.NewID(), ReplyTo: Replies,
		ExpiresAt: &past, ItemID: domain.NewID(), ProductID: kb.ProductID, Quantity: 1})
	if got := p.stock(t, kb.ProductID); got != kb.Stock {
		t.Errorf("stock: got %d, want %d (untouched)", got, kb.Stock)
	}
	if got := outboxReplies(t, p.Parts); len(got) != 0 {
		t.Errorf("replies: got %+v, want none", got)
	}
}

// A refusal is an answer: a reserve-stock of an unknown product is refused,
// with the reason, and nothing is reserved.
func TestReceiver_refusalIsAReply(t *testing.T) {
	p := testParts{warehouseParts(t)}
	c := Command{OrderID: domain.NewID(), ReplyTo: Replies, ItemID: domain.NewID(), ProductID: domain.NewID(), Quantity: 1}
	deliver(t, p.Parts, ReserveStock, reserveStock, c)
	got := outboxReplies(t, p.Parts)
	if len(got) != 1 || got[0].Outcome != Refused || got[0].Reason == "" {
		t.Errorf("replies: got %+v, want one refusal with a reason", got)
	}
}
