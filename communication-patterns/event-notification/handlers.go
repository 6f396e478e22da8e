// Pattern: Event notification. Each service announces its changes as thin
// events (ids only) and commands no one; a service that cares reacts, and
// reads what it needs from the owner's REST API. The events stay small and the
// owner stays the one source of truth; the price is a call back per reaction,
// so a consumer depends on the owner being up (and reads its latest state,
// not the state the event announced).
//
// The reactions below are the ones that need more than ids. The shared part of
// the flow (app.Choreography) confirms and releases reservations and moves the
// order to SHIPPED and COMPLETED. Each reaction reads before the consumer's
// transaction opens (messaging.Prepare), so no database lock waits on a call.

package eventnotification

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/clients"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
)

// reactions are this variant's event handlers, by consuming service and event type.
var reactions = app.Reactions{
	"warehouse": {messaging.OrderItemAdded: reserveAddedItem},
	"ordering":  {messaging.ReservationChanged: recordReservation},
	"shipping":  {messaging.OrderConfirmed: shipConfirmedOrder},
	"billing":   {messaging.OrderShipped: invoiceShippedOrder},
}

// reserveAddedItem: order.item-added {orderId, itemId} → the warehouse reads the
// order from ordering, reserves the item's stock and announces reservation.changed.
func reserveAddedItem(p *app.Parts) messaging.Prepare {
	orders := clients.NewOrdering(p.Config.URLs.Ordering, p.HTTPFor("ordering"))
	return func(ctx context.Context, ev messaging.Event) (messaging.Handler, error) {
		id, o, err := readOrder(ctx, orders, ev)
		if err != nil {
			return nil, err
		}
		it := o.Item(id.ItemID)
		if it == nil {
			return nil, fmt.Errorf("order %s has no item %s", o.OrderID, id.ItemID)
		}
		if o.Status != domain.OrderOpen || it.Status != domain.ItemPending {
			// The owner's current state says the item moved on (removed, or its order
			// cancelled) before this event arrived — a late or replayed delivery:
			// reserving now would hold stock that nothing releases.
			return func(context.Context, messaging.Event) error { return nil }, nil
		}
		req := domain.ReservationRequest{OrderID: o.OrderID, ItemID: it.ItemID, ProductID: it.ProductID, Quantity: it.Quantity}
		return func(ctx context.Context, _ messaging.Event) error {
			_, _, err := p.Warehouse.Reserve(ctx, req)
			return err
		}, nil
	}
}

// recordReservation: reservation.changed {reservationId, orderId, itemId} →
// ordering reads the reservation from the warehouse and records the item's outcome.
func recordReservation(p *app.Parts) messaging.Prepare {
	warehouse := clients.NewWarehouse(p.Config.URLs.Warehouse, p.HTTPFor("warehouse"))
	return func(ctx context.Context, ev messaging.Event) (messaging.Handler, error) {
		var id app.EventIDs
		if err := ev.DecodeData(&id); err != nil {
			return nil, err
		}
		r, err := warehouse.Reservation(ctx, id.ReservationID)
		if err != nil {
			return nil, fmt.Errorf("read reservation %s: %w", id.ReservationID, err)
		}
		return func(ctx context.Context, _ messaging.Event) error { return p.Ordering.RecordReservation(ctx, r) }, nil
	}
}

// shipConfirmedOrder: order.confirmed {orderId} → shipping reads the order from
// ordering and the address from customers, then ships (→ shipment.shipped).
func shipConfirmedOrder(p *app.Parts) messaging.Prepare {
	read := orderAndCustomer(p)
	return func(ctx context.Context, ev messaging.Event) (messaging.Handler, error) {
		o, c, err := read(ctx, ev)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, _ messaging.Event) error {
			_, err := p.Shipping.ShipOrder(ctx, o, c.Address)
			return err
		}, nil
	}
}

// invoiceShippedOrder: order.shipped {orderId} → billing reads the order from
// ordering and the customer's name from customers, then issues the invoice
// (→ invoice.issued).
func invoiceShippedOrder(p *app.Parts) messaging.Prepare {
	read := orderAndCustomer(p)
	return func(ctx context.Context, ev messaging.Event) (messaging.Handler, error) {
		o, c, err := read(ctx, ev)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, _ messaging.Event) error {
			_, err := p.Billing.Issue(ctx, o, c.Name)
			return err
		}, nil
	}
}

// orderAndCustomer returns a reader of the order an event names, from
// ordering, and of its customer, from customers.
func orderAndCustomer(p *app.Parts) func(ctx context.Context, ev messaging.Event) (domain.Order, domain.Customer, error) {
	orders, people := clients.NewOrdering(p.Config.URLs.Ordering, p.HTTPFor("ordering")), clients.NewCustomers(p.Config.URLs.Customers, p.HTTPFor("customers"))
	return func(ctx context.Context, ev messaging.Event) (domain.Order, domain.Customer, error) {
		_, o, err := readOrder(ctx, orders, ev)
		if err != nil {
			return o, domain.Customer{}, err
		}
		c, err := people.Customer(ctx, o.CustomerID)
		if err != nil {
			return o, c, fmt.Errorf("read customer %s: %w", o.CustomerID, err)
		}
		return o, c, nil
	}
}

// readOrder calls ordering back for the order an event names.
func readOrder(ctx context.Context, orders *clients.Ordering, ev messaging.Event) (app.EventIDs, domain.Order, error) {
	var id app.EventIDs
	if err := ev.DecodeData(&id); err != nil {
		return id, domain.Order{}, err
	}
	o, err := orders.Order(ctx, id.OrderID)
	if err != nil {
		return id, domain.Order{}, fmt.Errorf("read order %s: %w", id.OrderID, err)
	}
	return id, o, nil
}
