package events_test

import (
	"context"
	"slices"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/events"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/messaging/messagingtest"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/store"
	"github.com/microservice-patterns/lab/shared/store/storetest"
)

func TestOrderChanges(t *testing.T) {
	item := func(id string, s domain.ItemStatus) domain.OrderItem { return domain.OrderItem{ItemID: id, Status: s} }
	open := domain.Order{Status: domain.OrderOpen, Items: []domain.OrderItem{item("a", domain.ItemReserved)}}
	with := func(o domain.Order, f func(o *domain.Order)) domain.Order {
		o.Items = slices.Clone(o.Items)
		f(&o)
		return o
	}
	for _, c := range []struct {
		name          string
		before, after domain.Order
		want          []events.OrderChange
	}{
		{"an item added", open, with(open, func(o *domain.Order) { o.Items = append(o.Items, item("b", domain.ItemPending)) }),
			[]events.OrderChange{{Type: messaging.OrderItemAdded, ItemID: "b"}}},
		{"an item removed", open, with(open, func(o *domain.Order) { o.Items[0].Status = domain.ItemCanceled }),
			[]events.OrderChange{{Type: messaging.OrderItemRemoved, ItemID: "a"}}},
		{"an item reserved is no order event", with(open, func(o *domain.Order) { o.Items[0].Status = domain.ItemPending }), open, nil},
		{"confirmed", open, with(open, func(o *domain.Order) { o.Status = domain.OrderConfirmed }),
			[]events.OrderChange{{Type: messaging.OrderConfirmed}}},
		{"cancelled: the order's event only", open, with(open, func(o *domain.Order) {
			o.Status, o.Items[0].Status = domain.OrderCanceled, domain.ItemCanceled
		}), []events.OrderChange{{Type: messaging.OrderCanceled}}},
		{"nothing changed", open, open, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := events.OrderChanges(c.before, c.after); !slices.Equal(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestWarehouse checks that each change publishes its events once: a repeated
// reservation or transition publishes nothing.
func TestWarehouse(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t, "warehouse")
	pub := &messagingtest.Publisher{}
	s := warehouse.New(events.Warehouse(store.NewWarehouse(db), messaging.Emitter{Source: "/warehouse", Style: messaging.Fat, Tx: pub}))
	if err := s.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(pub.OfType(messaging.ProductChanged)); got != len(warehouse.Seed) {
		t.Errorf("seeding: got %d product.changed, want one per product (%d)", got, len(warehouse.Seed))
	}
	pub.Reset()
	req := domain.ReservationRequest{OrderID: domain.NewID(), ItemID: domain.NewID(), ProductID: warehouse.Seed[0].ProductID, Quantity: 2}
	r, _, err := s.Reserve(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	_, _, _ = s.Reserve(ctx, req) // the same item again: no change
	if _, err := s.Cancel(ctx, r.ReservationID); err != nil {
		t.Fatal(err)
	}
	_, _ = s.Cancel(ctx, r.ReservationID) // again: no change
	want := []string{messaging.ReservationChanged, messaging.ProductChanged, messaging.ReservationChanged, messaging.ProductChanged}
	if got := pub.Types(); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	var p domain.Product
	if err := pub.OfType(messaging.ProductChanged)[1].DecodeData(&p); err != nil || p.Stock != warehouse.Seed[0].Stock {
		t.Errorf("the last product.changed: got stock %d (%v), want %d", p.Stock, err, warehouse.Seed[0].Stock)
	}
}
