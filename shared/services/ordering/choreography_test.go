package ordering_test

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

func newChoreography(t *testing.T) *ordering.Choreography {
	t.Helper()
	w := &world{}
	c, err := ordering.NewChoreography(newRepo(), ordering.Ports{Customers: w, Catalog: w})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewChoreography_requiresItsPorts(t *testing.T) {
	if _, err := ordering.NewChoreography(newRepo(), ordering.Ports{}); err == nil {
		t.Error("no ports: got no error")
	}
}

// TestChoreography_flow takes an order through the flow as the events drive it.
func TestChoreography_flow(t *testing.T) {
	c := newChoreography(t)
	o, err := c.Create(ctx, domain.NewOrder{CustomerID: customerID})
	if err != nil {
		t.Fatal(err)
	}
	it, err := c.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 2})
	if err != nil || it.Status != domain.ItemPending || it.UnitPrice != 100 {
		t.Fatalf("add: got %+v, %v; want PENDING at the catalogue's price", it, err)
	}
	if _, err := c.Confirm(ctx, o.OrderID); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("confirm with a PENDING item: got %v, want a conflict", err)
	}
	r := domain.Reservation{ReservationID: "r-1", OrderID: o.OrderID, ItemID: it.ItemID, Status: domain.ReservationReserved, UnitPrice: 90}
	for range 2 { // a repeated answer changes nothing
		if err := c.RecordReservation(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := c.Item(ctx, o.OrderID, it.ItemID)
	if got.Status != domain.ItemReserved || got.UnitPrice != 90 || got.ReservationID != "r-1" {
		t.Errorf("after the reservation: got %+v, want RESERVED at 90 with r-1", got)
	}
	for range 2 { // confirming again answers the order and changes nothing
		if o, err = c.Confirm(ctx, o.OrderID); err != nil || o.Status != domain.OrderConfirmed {
			t.Fatalf("confirm: got %s, %v", o.Status, err)
		}
	}
	for _, step := range []func() error{
		func() error { return c.MarkShipped(ctx, o.OrderID) },
		func() error { return c.MarkCompleted(ctx, o.OrderID) },
		func() error { return c.MarkShipped(ctx, o.OrderID) }, // late: no change
		func() error { return c.MarkCompleted(ctx, o.OrderID) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if o, _ = c.Order(ctx, o.OrderID); o.Status != domain.OrderCompleted || o.Total != 180 {
		t.Errorf("got %s total %d, want COMPLETED 180", o.Status, o.Total)
	}
}

func TestChoreography_removeAndCancel(t *testing.T) {
	c := newChoreography(t)
	o, _ := c.Create(ctx, domain.NewOrder{CustomerID: customerID})
	it, _ := c.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 1})
	for range 2 { // removing twice is a no-op
		if o, err := c.RemoveItem(ctx, o.OrderID, it.ItemID); err != nil || o.Items[0].Status != domain.ItemCanceled {
			t.Fatalf("remove: got %+v, %v", o.Items, err)
		}
	}
	late := domain.Reservation{OrderID: o.OrderID, ItemID: it.ItemID, Status: domain.ReservationReserved}
	if err := c.RecordReservation(ctx, late); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Item(ctx, o.OrderID, it.ItemID); got.Status != domain.ItemCanceled {
		t.Errorf("a late reservation of a removed item: got %s, want it to stay CANCELED", got.Status)
	}
	if o, err := c.Cancel(ctx, o.OrderID); err != nil || o.Status != domain.OrderCanceled {
		t.Fatalf("cancel: got %s, %v", o.Status, err)
	}
	if _, err := c.Cancel(ctx, o.OrderID); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("cancel twice: got %v, want a conflict", err)
	}
}
