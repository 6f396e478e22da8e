package app

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/store"
	"github.com/microservice-patterns/lab/shared/store/storetest"
)

// TestAfterReservations: a fat removal that reaches a warehouse instance
// before the item's order.item-added has been handled (by another instance)
// is retried, and goes through once the item has its reservation; a thin
// one, which names no item, goes through at once.
func TestAfterReservations(t *testing.T) {
	db := storetest.SQLite(t, "warehouse")
	w := warehouse.New(store.NewWarehouse(db))
	if err := w.Seed(t.Context()); err != nil {
		t.Fatal(err)
	}
	p := &Parts{Warehouse: w}
	orderID, itemID := domain.NewID(), domain.NewID()
	event := func(data any) messaging.Event {
		ev, err := messaging.NewEvent("/ordering", messaging.OrderItemRemoved, orderID, data)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	type item struct {
		ItemID string `json:"itemId"`
	}
	fat := event(map[string]any{"orderId": orderID, "itemId": itemID, "items": []item{{itemID}}})
	thin := event(map[string]any{"orderId": orderID, "itemId": itemID})

	if _, err := afterReservations(t.Context(), p, fat, true); !messaging.IsRetryable(err) {
		t.Fatalf("before the item's reservation: got %v, want a retryable error", err)
	}
	if id, err := afterReservations(t.Context(), p, thin, true); err != nil || id.ItemID != itemID {
		t.Fatalf("a thin event: got %+v, %v; want its ids at once", id, err)
	}
	if _, _, err := w.Reserve(t.Context(), domain.ReservationRequest{OrderID: orderID, ItemID: itemID,
		ProductID: warehouse.Seed[0].ProductID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	if id, err := afterReservations(t.Context(), p, fat, true); err != nil || id.OrderID != orderID {
		t.Fatalf("after the item's reservation: got %+v, %v; want its ids", id, err)
	}
	// A cancel names every item of the order: one without a reservation holds it back.
	other := domain.NewID()
	cancel := event(map[string]any{"orderId": orderID, "items": []item{{itemID}, {other}}})
	if _, err := afterReservations(t.Context(), p, cancel, false); !messaging.IsRetryable(err) {
		t.Fatalf("a cancel with an item not reserved yet: got %v, want a retryable error", err)
	}
}
