package ordering

import (
	"context"
	"errors"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Choreography is the core of the ordering service in the asynchronous
// variants. It commands no other service: it changes its own orders, and the
// events decorator (WithEvents) announces each change, in the same transaction,
// for the other services to react to. Their answers come back as events too,
// and the variant's handlers hand them to RecordReservation, MarkShipped and
// MarkCompleted.
type Choreography struct {
	core
}

var _ API = (*Choreography)(nil)

// NewChoreography returns the choreographed core. Of the ports it needs
// Customers and Catalog only, to check a new order's customer and a new item's
// product and price: over HTTP in event notification, from local copies in
// event-carried state transfer. Give it a repository decorated WithEvents.
func NewChoreography(repo Repository, ports Ports) (*Choreography, error) {
	if repo == nil || ports.Customers == nil || ports.Catalog == nil {
		return nil, errors.New("ordering: the repository and the Customers and Catalog ports are required")
	}
	return &Choreography{core{repo: repo, customers: ports.Customers, catalog: ports.Catalog}}, nil
}

// AddItem adds a product to an OPEN order as a PENDING item (order.item-added);
// the warehouse's answer, reservation.changed, moves it on.
func (c *Choreography) AddItem(ctx context.Context, orderID string, in domain.NewItem) (domain.OrderItem, error) {
	return c.addPending(ctx, orderID, in)
}

// RemoveItem cancels an item of an OPEN order (order.item-removed); the warehouse
// releases its reservation. Removing an item that is already CANCELED is a no-op.
func (c *Choreography) RemoveItem(ctx context.Context, orderID, itemID string) (domain.Order, error) {
	return c.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error {
		it, err := o.CheckRemoveItem(itemID)
		if err != nil || it.Status == domain.ItemCanceled {
			return err
		}
		it.Status, o.UpdatedAt = domain.ItemCanceled, domain.Now()
		o.Recalculate()
		return nil
	})
}

// Announcer announces an order's current step again: the event of its status,
// with a new id. A repository decorated with events implements it.
type Announcer interface {
	Announce(ctx context.Context, orderID string) (domain.Order, error)
}

// Confirm confirms an OPEN order whose live items are all RESERVED
// (order.confirmed); the warehouse, shipping and billing take it from there.
// On a CONFIRMED or SHIPPED order it resumes: it announces the order's step
// again (order.confirmed or order.shipped, with a new id), so a reaction whose
// event was dead-lettered — its service could not read what it needed for too
// long — runs now. Every reaction is idempotent, so the others change nothing.
func (c *Choreography) Confirm(ctx context.Context, orderID string) (domain.Order, error) {
	resume := false
	o, err := c.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error {
		changed, err := o.Confirm(domain.Now())
		resume = err == nil && !changed
		return err
	})
	if a, ok := c.repo.(Announcer); ok && resume {
		return a.Announce(ctx, orderID)
	}
	return o, err
}

// Cancel cancels an OPEN order and its items (order.canceled); the warehouse
// releases the order's reservations.
func (c *Choreography) Cancel(ctx context.Context, orderID string) (domain.Order, error) {
	return c.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error { return o.Cancel(domain.Now()) })
}

// RecordReservation records the warehouse's answer for a PENDING item: RESERVED
// (at the reservation's price) or REJECTED. Other reservation states, and
// answers for items that moved on (a removed item, a cancelled order), change
// nothing: the warehouse releases those reservations on the removal's event.
func (c *Choreography) RecordReservation(ctx context.Context, r domain.Reservation) error {
	status := domain.ItemRejected
	switch r.Status {
	case domain.ReservationReserved:
		status = domain.ItemReserved
	case domain.ReservationRejected:
	default:
		return nil
	}
	_, err := c.repo.UpdateOrder(ctx, r.OrderID, func(o *domain.Order) error {
		if it := o.Item(r.ItemID); it != nil && it.Status == domain.ItemPending && status == domain.ItemReserved {
			it.UnitPrice = r.UnitPrice
		}
		o.SetItemOutcome(r.ItemID, r.ReservationID, status, domain.Now())
		return nil
	})
	return err
}

// MarkShipped moves a CONFIRMED order to SHIPPED (order.shipped) when its
// shipment has shipped; an order already SHIPPED or COMPLETED stays as it is.
func (c *Choreography) MarkShipped(ctx context.Context, orderID string) error {
	return c.advance(ctx, orderID, func(o *domain.Order) error {
		if o.Status == domain.OrderCompleted {
			return nil
		}
		_, err := o.MarkShipped(domain.Now())
		return err
	})
}

// MarkCompleted moves a SHIPPED order to COMPLETED (order.completed) when its
// invoice is issued; a COMPLETED order stays as it is.
func (c *Choreography) MarkCompleted(ctx context.Context, orderID string) error {
	return c.advance(ctx, orderID, func(o *domain.Order) error {
		_, err := o.MarkCompleted(domain.Now())
		return err
	})
}

func (c *Choreography) advance(ctx context.Context, orderID string, fn func(o *domain.Order) error) error {
	_, err := c.repo.UpdateOrder(ctx, orderID, fn)
	return err
}
