package messaging

import (
	"context"
	"slices"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	broker "github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/periodic"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/store"
)

// orchestrator is ordering's side of the flow: it knows every step, sends
// each command through the outbox in the transaction of the change that calls
// for it, and moves the saga on the replies and the deadlines.
type orchestrator struct {
	orders ordering.Repository // the orders table, undecorated
	sagas  sagas
	out    *broker.Outbox
	policy Policy
	core   *ordering.Choreography // set once the core is built (nil in its own repository)
}

func newOrchestrator(p *app.Parts) (*orchestrator, error) {
	s, err := loadSettings(p.Env, p.Config.ShipDelay)
	if err != nil {
		return nil, err
	}
	return &orchestrator{orders: store.NewOrders(p.DB), sagas: sagas{db: p.DB}, out: p.Outbox,
		policy: s.policy(), core: p.Ordering}, nil
}

// repository is ordering's repository in this base (Async.OrderingStore):
// every change of an order sends the commands it calls for, in its
// transaction. The choreographed core runs on it unchanged.
type repository struct{ o *orchestrator }

var _ ordering.Announcer = repository{}

// orderingStore creates or updates the sagas table of ordering's database and
// returns ordering's repository.
func orderingStore(ctx context.Context, p *app.Parts, _ broker.Emitter) (ordering.Repository, error) {
	if err := store.MigrateSet(ctx, p.DB, migrationFiles, "migrations/"+string(p.DB.Dialect), "goose_sagas", "sagas table"); err != nil {
		return nil, err
	}
	o, err := newOrchestrator(p)
	if err != nil {
		return nil, err
	}
	return repository{o: o}, nil
}

func (r repository) CreateOrder(ctx context.Context, o domain.Order) error {
	return r.o.orders.CreateOrder(ctx, o)
}

func (r repository) Order(ctx context.Context, id string) (domain.Order, error) {
	o, err := r.o.orders.Order(ctx, id)
	if err != nil {
		return o, err
	}
	return r.o.withReason(ctx, o)
}

func (r repository) Orders(ctx context.Context, customerID string, status domain.OrderStatus, page domain.Page) ([]domain.Order, error) {
	list, err := r.o.orders.Orders(ctx, customerID, status, page)
	for i := range list {
		if err != nil {
			break
		}
		list[i], err = r.o.withReason(ctx, list[i])
	}
	return list, err
}

// UpdateOrder changes the order and, in the same transaction, sends what the
// change calls for: reserve-stock for an added item, release-reservation for
// an item removed or an order cancelled while OPEN, and the saga's first
// command for an order just confirmed.
func (r repository) UpdateOrder(ctx context.Context, id string, fn func(*domain.Order) error) (domain.Order, error) {
	var before, after domain.Order
	err := r.o.out.InTx(ctx, func(ctx context.Context) error {
		var err error
		after, err = r.o.orders.UpdateOrder(ctx, id, func(o *domain.Order) error {
			before = *o
			before.Items = slices.Clone(o.Items)
			return fn(o)
		})
		if err != nil {
			return err
		}
		return r.o.changed(ctx, before, after)
	})
	if err != nil {
		return after, err
	}
	return r.o.withReason(ctx, after)
}

// Announce is the resumption of a confirm on an order already CONFIRMED or
// SHIPPED: the saga's current command goes out again at once (the receivers
// are idempotent), with a fresh deadline.
func (r repository) Announce(ctx context.Context, id string) (domain.Order, error) {
	var o domain.Order
	err := r.o.out.InTx(ctx, func(ctx context.Context) error {
		var err error
		if o, err = r.o.orders.Order(ctx, id); err != nil {
			return err
		}
		s, ok, err := r.o.sagas.lock(ctx, id)
		if err != nil || !ok || !s.Open() {
			return err
		}
		s.Deadline = domain.Now().Add(r.o.policy.Timeout)
		if err := r.o.sagas.put(ctx, s); err != nil {
			return err
		}
		return r.o.sendStep(ctx, s, o)
	})
	return o, err
}

// changed sends the commands of an order's change from before to after.
func (o *orchestrator) changed(ctx context.Context, before, after domain.Order) error {
	for _, it := range after.Items {
		old := before.Item(it.ItemID)
		switch {
		case old == nil:
			err := send(ctx, o.out, ReserveStock, Command{OrderID: after.OrderID, ReplyTo: Replies,
				ItemID: it.ItemID, ProductID: it.ProductID, Quantity: it.Quantity})
			if err != nil {
				return err
			}
		case old.Status != domain.ItemCanceled && it.Status == domain.ItemCanceled && after.Status == domain.OrderOpen:
			if err := send(ctx, o.out, string(ReleaseReservation), Command{OrderID: after.OrderID, ItemID: it.ItemID}); err != nil {
				return err
			}
		}
	}
	if before.Status != domain.OrderOpen || before.Status == after.Status {
		return nil
	}
	switch after.Status {
	case domain.OrderCanceled:
		return send(ctx, o.out, string(ReleaseReservation), Command{OrderID: after.OrderID})
	case domain.OrderConfirmed:
		d := Start(after.OrderID, domain.Now(), o.policy)
		if err := o.sagas.put(ctx, d.Saga); err != nil {
			return err
		}
		return o.sendStep(ctx, d.Saga, after)
	}
	return nil
}

// sendStep sends the command of the saga's current step, which expires at its deadline.
func (o *orchestrator) sendStep(ctx context.Context, s Saga, order domain.Order) error {
	expires := s.Deadline
	c := Command{OrderID: s.OrderID, ReplyTo: Replies, ExpiresAt: &expires}
	if s.Step == CreateShipment || s.Step == IssueInvoice {
		c.Order = &order
	}
	return send(ctx, o.out, string(s.Step), c)
}

// withReason adds to a CANCELED order the reason its saga cancelled it.
func (o *orchestrator) withReason(ctx context.Context, order domain.Order) (domain.Order, error) {
	reason, err := o.sagas.reason(ctx, order)
	order.Reason = reason
	return order, err
}

// decide applies the saga's decision on the order, in the transaction ctx
// carries: the saga's new state, the order's move, the next command. A saga
// that is missing, or a decision that is not ok (a stale reply, nothing due),
// changes nothing.
func (o *orchestrator) decide(ctx context.Context, orderID string, decision func(Saga) (Decision, bool)) error {
	s, found, err := o.sagas.lock(ctx, orderID)
	if err != nil || !found {
		return err
	}
	d, ok := decision(s)
	if !ok {
		return nil
	}
	if err := o.sagas.put(ctx, d.Saga); err != nil {
		return err
	}
	switch d.Order {
	case Shipped:
		err = o.core.MarkShipped(ctx, orderID)
	case Complete:
		err = o.core.MarkCompleted(ctx, orderID)
	case Cancel:
		_, err = o.orders.UpdateOrder(ctx, orderID, func(order *domain.Order) error {
			for i := range order.Items {
				order.Items[i].Status = domain.ItemCanceled
			}
			order.Status, order.UpdatedAt = domain.OrderCanceled, domain.Now()
			order.Recalculate()
			return nil
		})
	}
	if err != nil || d.Send == "" {
		return err
	}
	order, err := o.orders.Order(ctx, orderID)
	if err != nil {
		return err
	}
	return o.sendStep(ctx, d.Saga, order)
}

// onReply is ordering's reaction to a reply: a reservation is recorded on its
// item; any other reply moves the saga of its order, unless it is stale.
func onReply(ctx context.Context, p *app.Parts, ev broker.Event) error {
	var r Reply
	if err := ev.DecodeData(&r); err != nil {
		return err
	}
	if r.Command == ReserveStock {
		if r.Reservation == nil {
			p.Log.Warn("reserve-stock refused", "order", r.OrderID, "reason", r.Reason)
			return nil
		}
		return p.Ordering.RecordReservation(ctx, *r.Reservation)
	}
	o, err := newOrchestrator(p)
	if err != nil {
		return err
	}
	return o.decide(ctx, r.OrderID, func(s Saga) (Decision, bool) {
		d, ok := s.OnReply(Step(r.Command), r.Outcome, r.Reason, domain.Now(), o.policy)
		if !ok {
			p.Log.Debug("stale reply ignored", "order", r.OrderID, "command", r.Command, "step", s.Step, "status", s.Status)
		}
		return d, ok
	})
}

// watch runs beside ordering (Async.Run): every so often it finds the sagas
// whose step is overdue and sends the step again or compensates.
func watch(ctx context.Context, p *app.Parts) {
	if p.Config.Name != "ordering" {
		return
	}
	o, err := newOrchestrator(p)
	if err != nil {
		p.Log.Error("saga deadlines are not watched", "err", err)
		return
	}
	every := min(max(o.policy.Timeout/4, 20*time.Millisecond), time.Second)
	stop := periodic.Start(every, func(ctx context.Context) {
		if err := o.overdue(ctx); err != nil && ctx.Err() == nil {
			p.Log.Warn("watch saga deadlines", "err", err)
		}
	})
	<-ctx.Done()
	stop()
}

// overdue handles every saga whose step is overdue, each in its own transaction.
func (o *orchestrator) overdue(ctx context.Context) error {
	ids, err := o.sagas.due(ctx, domain.Now().Add(-o.policy.Grace), 100)
	if err != nil {
		return err
	}
	for _, id := range ids {
		err := o.out.InTx(ctx, func(ctx context.Context) error {
			return o.decide(ctx, id, func(s Saga) (Decision, bool) { return s.OnDeadline(domain.Now(), o.policy) })
		})
		if err != nil {
			return err
		}
	}
	return nil
}
