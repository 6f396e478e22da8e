package messaging

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/clients"
	"github.com/microservice-patterns/lab/shared/domain"
	broker "github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

// The receivers do what a command says and answer whoever asked. None of them
// knows the flow: the warehouse does not know that shipping comes next, nor
// billing that a refusal undoes a shipment. Each one is idempotent on its
// natural key (the order, the item), so a command sent again after a timeout
// has the effect of one; the inbox skips a redelivered message.

// effect is a command's effect, run in the consumer's transaction; its reply
// is written to the outbox in the same transaction.
type effect func(ctx context.Context) (Reply, error)

// perform reads what a command needs, before the transaction (Prepare), and
// returns its effect.
type perform func(ctx context.Context, p *app.Parts, c Command) (effect, error)

// receiver is the reaction of a service to one command. A command whose data
// does not decode, or names no order, is dead-lettered; one that arrives
// after its sender stopped waiting (ExpiresAt) is dropped, for the sender has
// sent it again or compensated. A refusal — a domain error that repeating
// cannot cure — is an answer, not a failure: the sender compensates.
func receiver(name string, do perform) app.Reaction {
	return func(p *app.Parts) broker.Prepare {
		source := "/" + p.Config.Name
		return func(ctx context.Context, ev broker.Event) (broker.Handler, error) {
			var c Command
			if err := ev.DecodeData(&c); err != nil {
				return nil, err
			}
			if err := domain.CheckID("orderId", c.OrderID); err != nil {
				return nil, fmt.Errorf("command %s: %w", ev.ID, err)
			}
			eff, err := do(ctx, p, c)
			if refusal(err) {
				eff, err = refuse(err), nil
			}
			if err != nil {
				return nil, err
			}
			return func(ctx context.Context, _ broker.Event) error {
				if c.ExpiresAt != nil && domain.Now().After(*c.ExpiresAt) {
					p.Log.Info("command arrived after its deadline: dropped", "command", name, "order", c.OrderID)
					return nil
				}
				r, err := eff(ctx)
				if refusal(err) {
					r, err = Reply{Outcome: Refused, Reason: domain.ErrorMessage(err)}, nil
				}
				if err != nil {
					return err
				}
				r.Command = name
				return answer(ctx, p.Outbox, source, c, r)
			}, nil
		}
	}
}

// refusal reports whether err is the receiver's definite no.
func refusal(err error) bool {
	if err == nil || domain.IsTransient(err) {
		return false
	}
	switch domain.ErrorCode(err) {
	case domain.CodeConflict, domain.CodeInvalid, domain.CodeNotFound:
		return true
	}
	return false
}

// refuse is the effect of a command refused before its transaction.
func refuse(err error) effect {
	return func(context.Context) (Reply, error) { return Reply{}, err }
}

// done is the effect that runs fn and answers Done.
func done(fn func(ctx context.Context) error) effect {
	return func(ctx context.Context) (Reply, error) { return Reply{Outcome: Done}, fn(ctx) }
}

// receivers are the reactions of the services that perform commands, and
// ordering's reaction to their replies (orchestrator.go).
func reactions() app.Reactions {
	return app.Reactions{
		"warehouse": {
			commandType(ReserveStock):               receiver(ReserveStock, reserveStock),
			commandType(string(ConfirmReservation)): receiver(string(ConfirmReservation), confirmReservations),
			commandType(string(ReleaseReservation)): receiver(string(ReleaseReservation), releaseReservations),
		},
		"shipping": {
			commandType(string(CreateShipment)): receiver(string(CreateShipment), createShipment),
			commandType(string(CancelShipment)): receiver(string(CancelShipment), cancelShipment),
		},
		"billing":  {commandType(string(IssueInvoice)): receiver(string(IssueInvoice), issueInvoice)},
		"ordering": {Replies: app.InTx(onReply)},
	}
}

// reserveStock: the warehouse holds the item's stock (idempotent on the item)
// and answers with the reservation, RESERVED or REJECTED.
func reserveStock(_ context.Context, p *app.Parts, c Command) (effect, error) {
	req := domain.ReservationRequest{OrderID: c.OrderID, ItemID: c.ItemID, ProductID: c.ProductID, Quantity: c.Quantity}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return func(ctx context.Context) (Reply, error) {
		r, _, err := p.Warehouse.Reserve(ctx, req)
		return Reply{Outcome: Done, Reservation: &r}, err
	}, nil
}

// confirmReservations: the warehouse confirms the order's RESERVED
// reservations: the stock is sold.
func confirmReservations(_ context.Context, p *app.Parts, c Command) (effect, error) {
	return done(func(ctx context.Context) error { return p.Warehouse.ConfirmOrder(ctx, c.OrderID) }), nil
}

// releaseReservations: the warehouse cancels the reservations of the order
// (of one item, when the command names it) that hold stock: the stock returns.
func releaseReservations(_ context.Context, p *app.Parts, c Command) (effect, error) {
	return done(func(ctx context.Context) error {
		if c.ItemID != "" {
			return p.Warehouse.CancelItem(ctx, c.OrderID, c.ItemID)
		}
		return p.Warehouse.CancelOrder(ctx, c.OrderID)
	}), nil
}

// createShipment: shipping reads the customer's address from customers and
// creates the order's shipment (idempotent on the order). It answers Done once
// the shipment has shipped, Pending while it waits for its delay.
func createShipment(ctx context.Context, p *app.Parts, c Command) (effect, error) {
	if c.Order == nil || c.Order.OrderID != c.OrderID {
		return nil, domain.Invalid(domain.FieldError{Field: "order", Message: "create-shipment carries its order"})
	}
	cust, err := customerOf(ctx, p, *c.Order)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (Reply, error) {
		sh, err := p.Shipping.ShipOrder(ctx, *c.Order, cust.Address)
		if err != nil {
			return Reply{}, err
		}
		if sh.Status == domain.ShipmentCanceled {
			return Reply{}, domain.Errorf(domain.CodeConflict, "the shipment of order %s was cancelled", c.OrderID)
		}
		if sh.Status != domain.ShipmentShipped {
			return Reply{Outcome: Pending}, nil
		}
		return Reply{Outcome: Done}, nil
	}, nil
}

// cancelShipment: shipping cancels the order's shipment, if it has one: the
// compensation of create-shipment.
func cancelShipment(_ context.Context, p *app.Parts, c Command) (effect, error) {
	return done(func(ctx context.Context) error {
		_, err := store.NewShipments(p.DB).CancelShipment(ctx, c.OrderID)
		return err
	}), nil
}

// issueInvoice: billing refuses an order above its limit (BILLING_REFUSE_ABOVE),
// reads the customer's name from customers and issues the invoice (idempotent
// on the order).
func issueInvoice(ctx context.Context, p *app.Parts, c Command) (effect, error) {
	if c.Order == nil || c.Order.OrderID != c.OrderID {
		return nil, domain.Invalid(domain.FieldError{Field: "order", Message: "issue-invoice carries its order"})
	}
	s, err := loadSettings(p.Env, p.Config.ShipDelay)
	if err != nil {
		return nil, err
	}
	if s.RefuseAbove > 0 && c.Order.Total > s.RefuseAbove {
		return nil, domain.Errorf(domain.CodeConflict, "billing refuses orders above %s (this one is %s)",
			euros(s.RefuseAbove), euros(c.Order.Total))
	}
	cust, err := customerOf(ctx, p, *c.Order)
	if err != nil {
		return nil, err
	}
	return done(func(ctx context.Context) error {
		_, err := p.Billing.Issue(ctx, *c.Order, cust.Name)
		return err
	}), nil
}

// customerOf reads the order's customer from customers.
func customerOf(ctx context.Context, p *app.Parts, o domain.Order) (domain.Customer, error) {
	cust, err := clients.NewCustomers(p.Config.URLs.Customers, p.HTTPFor("customers")).Customer(ctx, o.CustomerID)
	if err != nil {
		return cust, fmt.Errorf("read customer %s: %w", o.CustomerID, err)
	}
	return cust, nil
}

// euros writes an amount of cents as euros.
func euros(cents int64) string { return fmt.Sprintf("%d.%02d EUR", cents/100, cents%100) }
