package app

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// StateTransfer are the reactions of event-carried state transfer that need
// more than ids: each takes what it needs from the fat event or from a local
// copy that other events keep (Async.Replicas), and never calls back. The
// event-carried-state-transfer base runs them, and so does event sourcing,
// whose ordering publishes the same fat events from its event store.
//
// A copy can be rebuilt from scratch: delete its rows (or the service's
// database) and restart the owner. Customers and the warehouse announce every
// customer and product each time they start (their seeding replays
// customer.created and product.changed), and copying is an upsert, so the
// copy fills up again and repeats change nothing.
var StateTransfer = Reactions{
	"warehouse": {messaging.OrderItemAdded: InTx(reserveAddedItem)},
	"ordering": {
		messaging.ReservationChanged: InTx(recordReservation),
		messaging.ProductChanged:     InTx(copyProduct),
		messaging.CustomerCreated:    InTx(copyCustomer),
	},
	"shipping": {
		messaging.OrderConfirmed:  InTx(shipConfirmedOrder),
		messaging.CustomerCreated: InTx(copyCustomer),
	},
	"billing": {
		messaging.OrderShipped:    InTx(invoiceShippedOrder),
		messaging.CustomerCreated: InTx(copyCustomer),
	},
}

// LocalCopies gives ordering its copies of customers and products (Async.OrderingPorts),
// so it takes orders while customers or the warehouse are down.
func LocalCopies(p *Parts) (ordering.Ports, error) {
	return ordering.Ports{Customers: p.Replicas, Catalog: p.Replicas}, nil
}

// orderEvent is the data of an order event: the order, and the item an item event is about.
type orderEvent struct {
	domain.Order
	ItemID string `json:"itemId"`
}

// reserveAddedItem: order.item-added {order…, itemId} → the warehouse reserves
// the item's stock and announces reservation.changed.
func reserveAddedItem(ctx context.Context, p *Parts, ev messaging.Event) error {
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
func recordReservation(ctx context.Context, p *Parts, ev messaging.Event) error {
	var r domain.Reservation
	if err := ev.DecodeData(&r); err != nil {
		return err
	}
	return p.Ordering.RecordReservation(ctx, r)
}

// copyProduct: product.changed {product…} → ordering updates its copy of the catalogue.
func copyProduct(ctx context.Context, p *Parts, ev messaging.Event) error {
	var pr domain.Product
	if err := ev.DecodeData(&pr); err != nil {
		return err
	}
	return p.Replicas.PutProduct(ctx, pr)
}

// copyCustomer: customer.created {customer…} → a copy of the customer, for
// ordering's checks, shipping's address and billing's name.
func copyCustomer(ctx context.Context, p *Parts, ev messaging.Event) error {
	var c domain.Customer
	if err := ev.DecodeData(&c); err != nil {
		return err
	}
	return p.Replicas.PutCustomer(ctx, c)
}

// shipConfirmedOrder: order.confirmed {order…} → shipping ships the order's
// items to the address in its copy (→ shipment.shipped).
func shipConfirmedOrder(ctx context.Context, p *Parts, ev messaging.Event) error {
	o, c, err := orderAndCustomer(ctx, p, ev)
	if err != nil {
		return err
	}
	_, err = p.Shipping.ShipOrder(ctx, o, c.Address)
	return err
}

// invoiceShippedOrder: order.shipped {order…} → billing invoices the order's
// lines to the name in its copy (→ invoice.issued).
func invoiceShippedOrder(ctx context.Context, p *Parts, ev messaging.Event) error {
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
func orderAndCustomer(ctx context.Context, p *Parts, ev messaging.Event) (domain.Order, domain.Customer, error) {
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

// StateTransferAsync is the asynchronous wiring of the bases that carry state
// in their events: fat events, the state-transfer reactions, ordering checking
// against its local copies, and those copies kept in every service.
func StateTransferAsync() *Async {
	return &Async{Style: messaging.Fat, Reactions: StateTransfer, OrderingPorts: LocalCopies, Replicas: true}
}
