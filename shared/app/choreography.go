package app

import (
	"context"
	"time"

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
		messaging.OrderCanceled: Local(func(ctx context.Context, p *Parts, id EventIDs) error {
			return p.Warehouse.CancelOrder(ctx, id.OrderID)
		}),
		messaging.OrderItemRemoved: Local(func(ctx context.Context, p *Parts, id EventIDs) error {
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
