package app

import (
	"context"
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
)

// Choreography is the part of the flow both asynchronous variants share: the
// reactions that need nothing but the ids, which every event carries, thin or
// fat. Each variant adds the reactions that need more (Async.Reactions): the
// difference between the two is exactly where that "more" comes from.
//
//	order.confirmed     → warehouse confirms the order's reservations
//	order.canceled      → warehouse cancels the order's reservations (stock returns)
//	order.item-removed  → warehouse cancels the item's reservation (stock returns)
//	shipment.shipped    → ordering marks the order SHIPPED (→ order.shipped)
//	invoice.issued      → ordering marks the order COMPLETED (→ order.completed)
var Choreography = Reactions{
	"warehouse": {
		messaging.OrderConfirmed: Local(func(ctx context.Context, p *Parts, id EventIDs) error {
			return p.Warehouse.ConfirmOrder(ctx, id.OrderID)
		}),
		messaging.OrderCanceled: InTx(func(ctx context.Context, p *Parts, ev messaging.Event) error {
			id, err := afterReservations(ctx, p, ev, false)
			if err != nil {
				return err
			}
			return p.Warehouse.CancelOrder(ctx, id.OrderID)
		}),
		messaging.OrderItemRemoved: InTx(func(ctx context.Context, p *Parts, ev messaging.Event) error {
			id, err := afterReservations(ctx, p, ev, true)
			if err != nil {
				return err
			}
			return p.Warehouse.CancelItem(ctx, id.OrderID, id.ItemID)
		}),
	},
	"ordering": {
		messaging.ShipmentShipped: Local(func(ctx context.Context, p *Parts, id EventIDs) error {
			return p.Ordering.MarkShipped(ctx, id.OrderID)
		}),
		messaging.InvoiceIssued: Local(func(ctx context.Context, p *Parts, id EventIDs) error {
			return p.Ordering.MarkCompleted(ctx, id.OrderID)
		}),
	},
}

// afterReservations keeps the order of one order's events at the warehouse
// when its instances compete on their queue (replicas): a removal or a cancel
// must not overtake the order.item-added of an item, which another instance
// may be handling at this very moment — the cancel would find nothing to
// release, and the late reservation would hold stock for good. A fat event
// (event-carried state transfer, event sourcing) names the order's items:
// while one of them (the removed one, for a removal) has no reservation yet,
// the event is retried, in place, until its item-added has been handled. A
// thin event names no item; there the warehouse's item-added reads the order
// from its owner, and reserves nothing for an item that has moved on.
func afterReservations(ctx context.Context, p *Parts, ev messaging.Event, itemOnly bool) (EventIDs, error) {
	var o struct {
		EventIDs
		Items []struct {
			ItemID string `json:"itemId"`
		} `json:"items"`
	}
	if err := ev.DecodeData(&o); err != nil {
		return EventIDs{}, err
	}
	if len(o.Items) == 0 {
		return o.EventIDs, nil
	}
	list, err := p.Warehouse.Reservations(ctx, o.OrderID, domain.Page{})
	if err != nil {
		return EventIDs{}, messaging.Retryable(err)
	}
	held := map[string]bool{}
	for _, r := range list {
		held[r.ItemID] = true
	}
	for _, it := range o.Items {
		if (!itemOnly || it.ItemID == o.ItemID) && !held[it.ItemID] {
			return EventIDs{}, messaging.Retryable(fmt.Errorf("item %s of order %s has no reservation yet: its order.item-added comes first", it.ItemID, o.OrderID))
		}
	}
	return o.EventIDs, nil
}

// EventIDs are the ids an event's data carries, thin or fat (those that apply).
type EventIDs struct {
	OrderID       string `json:"orderId"`
	ItemID        string `json:"itemId"`
	ReservationID string `json:"reservationId"`
	ProductID     string `json:"productId"`
	CustomerID    string `json:"customerId"`
	ShipmentID    string `json:"shipmentId"`
	InvoiceID     string `json:"invoiceId"`
}

// Local is a reaction that needs nothing from another service: fn gets the
// event's ids and runs in the consumer's transaction. An event whose data does
// not decode is dead-lettered.
func Local(fn func(ctx context.Context, p *Parts, id EventIDs) error) Reaction {
	return InTx(func(ctx context.Context, p *Parts, ev messaging.Event) error {
		var id EventIDs
		if err := ev.DecodeData(&id); err != nil {
			return err
		}
		return fn(ctx, p, id)
	})
}

// InTx is a reaction with nothing to prepare: fn runs in the consumer's
// transaction, with the event.
func InTx(fn func(ctx context.Context, p *Parts, ev messaging.Event) error) Reaction {
	return func(p *Parts) messaging.Prepare {
		return func(context.Context, messaging.Event) (messaging.Handler, error) {
			return func(ctx context.Context, ev messaging.Event) error { return fn(ctx, p, ev) }, nil
		}
	}
}

// runShipper ships the due shipments of a shipping service with a delay, until
// ctx ends; each ships in its own transaction, which announces shipment.shipped.
func runShipper(ctx context.Context, p *Parts) {
	every := min(max(p.Shipping.Delay()/4, 10*time.Millisecond), time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := p.Shipping.ShipDue(ctx); err != nil && ctx.Err() == nil {
			p.Log.Warn("ship due shipments", "err", err)
		}
	}
}
