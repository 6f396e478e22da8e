package events_test

import (
	"context"
	"slices"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/events"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/messaging/messagingtest"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/store"
	"github.com/microservice-patterns/lab/shared/store/storetest"
)

// neighbours answers every customer and product.
type neighbours struct{}

func (neighbours) Customer(_ context.Context, id string) (domain.Customer, error) {
	return domain.Customer{CustomerID: id}, nil
}

func (neighbours) Product(_ context.Context, id string) (domain.Product, error) {
	return domain.Product{ProductID: id, Price: 100, Currency: domain.Currency}, nil
}

// TestChoreography_confirmResumes: confirming a CONFIRMED or SHIPPED order
// announces its step again with a new id, so a reaction whose event was
// dead-lettered runs; a COMPLETED order is refused and announces nothing.
func TestChoreography_confirmResumes(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t, "ordering")
	pub := &messagingtest.Publisher{}
	repo := events.Ordering(store.NewOrders(db), messaging.Emitter{Source: "/ordering", Style: messaging.Thin, Tx: pub})
	c, err := ordering.NewChoreography(repo, ordering.Ports{Customers: neighbours{}, Catalog: neighbours{}})
	if err != nil {
		t.Fatal(err)
	}
	o, _ := c.Create(ctx, domain.NewOrder{CustomerID: domain.NewID()})
	it, _ := c.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: domain.NewID(), Quantity: 1})
	_ = c.RecordReservation(ctx, domain.Reservation{ReservationID: domain.NewID(), OrderID: o.OrderID, ItemID: it.ItemID,
		Status: domain.ReservationReserved, UnitPrice: 100})
	pub.Reset()
	for range 2 {
		if _, err := c.Confirm(ctx, o.OrderID); err != nil {
			t.Fatal(err)
		}
	}
	confirmed := pub.OfType(messaging.OrderConfirmed)
	if len(confirmed) != 2 || confirmed[0].ID == confirmed[1].ID {
		t.Fatalf("confirm twice: got %v, want two order.confirmed with different ids", pub.Types())
	}
	pub.Reset()
	_ = c.MarkShipped(ctx, o.OrderID)
	if _, err := c.Confirm(ctx, o.OrderID); err != nil {
		t.Fatal(err)
	}
	if got, want := pub.Types(), []string{messaging.OrderShipped, messaging.OrderShipped}; !slices.Equal(got, want) {
		t.Errorf("confirm a SHIPPED order: got %v, want %v", got, want)
	}
	pub.Reset()
	_ = c.MarkCompleted(ctx, o.OrderID)
	pub.Reset()
	if _, err := c.Confirm(ctx, o.OrderID); domain.ErrorCode(err) != domain.CodeConflict || len(pub.Events()) != 0 {
		t.Errorf("confirm a COMPLETED order: got %v and %v, want a conflict and no event", err, pub.Types())
	}
}
