// Pattern: Messaging (commands and replies), with an orchestrated saga.
// Ordering tells each service what to do: it sends a command to the queue of
// the one service that performs it (reserve-stock, create-shipment,
// issue-invoice …) and that service answers on ordering's own reply queue,
// quoting the command's correlation id. The flow is written in one place —
// ordering's saga (saga.go) — and the receivers know nothing of it; the price
// is a sender that knows every receiver, and a reply for every step.
//
// It is built on the lab's messaging: each command and each reply is written
// to the sender's outbox in the transaction of the change that calls for it,
// published with confirms, received once through the receiver's inbox, and
// dead-lettered when it cannot be handled.

// Package messaging is the messaging base: commands over RabbitMQ, one queue
// per receiving service, replies on ordering's queue, and a saga in ordering
// that compensates a step refused for good.
package messaging

import (
	"github.com/microservice-patterns/lab/shared/app"
	broker "github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// Base orchestrates the services with commands. Ordering checks a new order's
// customer and a new item's product over HTTP, as the REST base does;
// shipping and billing read the customer's address and name from customers.
var Base = &app.Base{
	Name:        "messaging",
	Description: "ordering sends commands to each service's queue and runs a saga on the replies; a refusal is compensated",
	Async: &app.Async{
		Style:         broker.Thin,
		Reactions:     reactions(),
		OrderingPorts: func(p *app.Parts) (ordering.Ports, error) { return app.SyncOrderingPorts(p.Deps) },
		OrderingStore: orderingStore,
		Orchestrated:  true,
		NoEvents:      true,
		Run:           watch,
	},
	Gateway:     app.LiveEvents,
	RefuseAbove: refuseAbove,
}

func init() { app.RegisterBase(Base) }
