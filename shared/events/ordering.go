package events

import (
	"context"
	"slices"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// Ordering decorates a repository so that every change of an order publishes
// its events through em, in the transaction of the change: order.created, and
// for an update the events its difference shows (see OrderChanges). The core never
// publishes; it only changes orders.
func Ordering(repo ordering.Repository, em messaging.Emitter) ordering.Repository {
	return &orderingRepo{Repository: repo, ev: NewOrderEvents(em)}
}

type orderingRepo struct {
	ordering.Repository
	ev OrderEvents
}

// CreateOrder stores the order and publishes order.created.
func (r *orderingRepo) CreateOrder(ctx context.Context, o domain.Order) error {
	return r.ev.InTx(ctx, func(ctx context.Context) error {
		if err := r.Repository.CreateOrder(ctx, o); err != nil {
			return err
		}
		return r.ev.Created(ctx, o)
	})
}

// UpdateOrder updates the order and publishes the events of what changed.
func (r *orderingRepo) UpdateOrder(ctx context.Context, id string, fn func(*domain.Order) error) (domain.Order, error) {
	var before, after domain.Order
	err := r.ev.InTx(ctx, func(ctx context.Context) error {
		var err error
		after, err = r.Repository.UpdateOrder(ctx, id, func(o *domain.Order) error {
			before = *o
			before.Items = slices.Clone(o.Items)
			return fn(o)
		})
		if err != nil {
			return err
		}
		return r.ev.Changed(ctx, before, after)
	})
	return after, err
}

// Announce publishes the event of the order's current status again, with a new
// id, so that the services it did not reach (a dead-lettered delivery) react.
func (r *orderingRepo) Announce(ctx context.Context, id string) (domain.Order, error) {
	var o domain.Order
	err := r.ev.InTx(ctx, func(ctx context.Context) error {
		var err error
		if o, err = r.Repository.Order(ctx, id); err != nil {
			return err
		}
		return r.ev.Current(ctx, o)
	})
	return o, err
}

var _ ordering.Announcer = (*orderingRepo)(nil)

// OrderEvents publishes the events of orders' changes through an emitter, in
// the transaction ctx carries. The decorator above uses it; so does a
// repository that keeps orders its own way (the event store of event sourcing)
// and publishes the same events from its own transactions.
type OrderEvents struct{ em messaging.Emitter }

// NewOrderEvents returns the order events published through em.
func NewOrderEvents(em messaging.Emitter) OrderEvents { return OrderEvents{em: em} }

// InTx runs fn in a transaction of the emitter's outbox.
func (e OrderEvents) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return e.em.InTx(ctx, fn)
}

// Created publishes order.created.
func (e OrderEvents) Created(ctx context.Context, o domain.Order) error {
	return e.emit(ctx, OrderChange{Type: messaging.OrderCreated}, o)
}

// Changed publishes the events of an update from before to after (OrderChanges).
func (e OrderEvents) Changed(ctx context.Context, before, after domain.Order) error {
	for _, c := range OrderChanges(before, after) {
		if err := e.emit(ctx, c, after); err != nil {
			return err
		}
	}
	return nil
}

// Current publishes the event of the order's current status again, with a new id.
func (e OrderEvents) Current(ctx context.Context, o domain.Order) error {
	if typ, ok := statusEvents[o.Status]; ok {
		return e.emit(ctx, OrderChange{Type: typ}, o)
	}
	return nil
}

func (e OrderEvents) emit(ctx context.Context, c OrderChange, o domain.Order) error {
	ids := map[string]string{"orderId": o.OrderID}
	if c.ItemID != "" {
		ids["itemId"] = c.ItemID
	}
	return e.em.Emit(ctx, c.Type, o.OrderID, ids, o)
}

// OrderChange is one event an order's update calls for.
type OrderChange struct {
	Type   string // the event type
	ItemID string // the item of an item event
}

// OrderChanges lists the events of an order's update from before to after: an item
// added, an item removed from an order that stays OPEN, and a new status
// (confirmed, canceled, shipped, completed). An item's outcome (RESERVED,
// REJECTED) is the warehouse's news, announced by reservation.changed.
func OrderChanges(before, after domain.Order) []OrderChange {
	var out []OrderChange
	for _, it := range after.Items {
		old := before.Item(it.ItemID)
		switch {
		case old == nil:
			out = append(out, OrderChange{Type: messaging.OrderItemAdded, ItemID: it.ItemID})
		case old.Status != domain.ItemCanceled && it.Status == domain.ItemCanceled && after.Status == domain.OrderOpen:
			out = append(out, OrderChange{Type: messaging.OrderItemRemoved, ItemID: it.ItemID})
		}
	}
	if before.Status != after.Status {
		if typ, ok := statusEvents[after.Status]; ok {
			out = append(out, OrderChange{Type: typ})
		}
	}
	return out
}

// statusEvents names the event of each status an order moves to.
var statusEvents = map[domain.OrderStatus]string{
	domain.OrderConfirmed: messaging.OrderConfirmed,
	domain.OrderCanceled:  messaging.OrderCanceled,
	domain.OrderShipped:   messaging.OrderShipped,
	domain.OrderCompleted: messaging.OrderCompleted,
}
