// Pattern: Event-carried state transfer. Each service announces its changes as
// fat events that carry the whole resource; a service that cares takes what it
// needs from the event, and keeps local copies of the data it reads often, so
// it never calls another service back. Consumers keep working while an owner
// is down, at the price of bigger messages, data held twice, and copies that
// are only eventually up to date (a product just created may be unknown to
// ordering for a few milliseconds).
//
// The reactions below are the ones that need more than ids. The shared part of
// the flow (app.Choreography) confirms and releases reservations and moves the
// order to SHIPPED and COMPLETED.
//
// A copy can be rebuilt from scratch: delete its rows (or the service's
// database) and restart the owner. Customers and the warehouse announce every
// customer and product each time they start (their seeding replays
// customer.created and product.changed), and copying is an upsert, so the
// copy fills up again and repeats change nothing.

package eventcarriedstatetransfer

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
)

// reactions are this variant's event handlers, by consuming service and event type.
var reactions = app.Reactions{
	"warehouse": {messaging.OrderItemAdded: app.InTx(reserveAddedItem)},
	"ordering": {
		messaging.ReservationChanged: app.InTx(recordReservation),
		messaging.ProductChanged:     app.InTx(copyProduct),
		messaging.CustomerCreated:    app.InTx(copyCustomer),
	},
	"shipping": {
		messaging.OrderConfirmed:  app.InTx(shipConfirmedOrder),
		messaging.CustomerCreated: app.InTx(copyCustomer),
	},
	"billing": {
		messaging.OrderShipped:    app.InTx(invoiceShippedOrder),
		messaging.CustomerCreated: app.InTx(copyCustomer),
	},
}

// orderEvent is the data of an order event: the order, and the item an item event is about.
type orderEvent struct {
	domain.Order
	ItemID string `json:"itemId"`
}

// reserveAddedItem: order.item-added {order…, itemId} → the warehouse reserves
// the item's stock and announces reservation.changed.
func reserveAddedItem(ctx context.Context, p *app.Parts, ev messaging.Event) error {
	var o orderEvent
	if err := ev.DecodeData(&o); err != nil {
		return err
	}
	it := o.Item(o.ItemID)
	if it == nil {
		return fmt.Errorf("order %s has no item %s", o.OrderID, o.ItemID)
	}
	_, _, err := p.Warehouse.Reserve(ctx, domain.ReservationRequest{OrderID: o.OrderID, ItemID: it.ItemID,
		ProductID: it.ProductID, Quantity: it.Quantity})
	return err
}

// recordReservation: reservation.changed {reservation…} → ordering records the item's outcome.
func recordReservation(ctx context.Context, p *app.Parts, ev messaging.Event) error {
	var r domain.Reservation
	if err := ev.DecodeData(&r); err != nil {
		return err
	}
	return p.Ordering.RecordReservation(ctx, r)
}

// copyProduct: product.changed {product…} → ordering updates its copy of the catalogue.
func copyProduct(ctx context.Context, p *app.Parts, ev messaging.Event) error {
	var pr domain.Product
	if err := ev.DecodeData(&pr); err != nil {
		return err
	}
	return p.Replicas.PutProduct(ctx, pr)
}

// copyCustomer: customer.created {customer…} → a copy of the customer, for
// ordering's checks, shipping's address and billing's name.
func copyCustomer(ctx context.Context, p *app.Parts, ev messaging.Event) error {
	var c domain.Customer
	if err := ev.DecodeData(&c); err != nil {
		return err
	}
	return p.Replicas.PutCustomer(ctx, c)
}

// shipConfirmedOrder: order.confirmed {order…} → shipping ships the order's
// items to the address in its copy (→ shipment.shipped).
func shipConfirmedOrder(ctx context.Context, p *app.Parts, ev messaging.Event) error {
	o, c, err := orderAndCustomer(ctx, p, ev)
	if err != nil {
		return err
	}
	_, err = p.Shipping.ShipOrder(ctx, o, c.Address)
	return err
}

// invoiceShippedOrder: order.shipped {order…} → billing invoices the order's
// lines to the name in its copy (→ invoice.issued).
func invoiceShippedOrder(ctx context.Context, p *app.Parts, ev messaging.Event) error {
	o, c, err := orderAndCustomer(ctx, p, ev)
	if err != nil {
		return err
	}
	_, err = p.Billing.Issue(ctx, o, c.Name)
	return err
}

// orderAndCustomer takes the order from the event and its customer from the
// local copy. A customer the copy has not heard of yet is retried: its
// customer.created is on the way.
func orderAndCustomer(ctx context.Context, p *app.Parts, ev messaging.Event) (domain.Order, domain.Customer, error) {
	var o orderEvent
	if err := ev.DecodeData(&o); err != nil {
		return domain.Order{}, domain.Customer{}, err
	}
	c, err := p.Replicas.Customer(ctx, o.CustomerID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		err = messaging.Retryable(err)
	}
	return o.Order, c, err
}
