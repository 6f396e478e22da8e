// Pattern: CQRS (command and query responsibility segregation). One model of
// an order serves two access patterns badly: the commands want a small,
// consistent aggregate under a lock, the reads want whole pages of orders
// with their items, shipment and invoice, filtered and sorted, without
// taking a lock or asking three services. Here they part: the commands
// (create, add and remove an item, confirm, cancel) go to ordering's write
// side, which keeps its tables and announces every change as a versioned
// event; GET /api/orders and GET /api/orders/{orderId} are answered from a
// denormalised read model, one row per order, in a database of its own, that
// a consumer of its own keeps from the events of ordering, shipping and
// billing. The reads are eventually consistent: each says which version it
// shows, and how far behind the read model was at its last event.
//
// The services otherwise choreograph as in event-carried state transfer
// (app.StateTransfer), with fat events: the read model needs no call back.

// Package cqrs is the CQRS base: ordering's commands and its reads are served
// by two models, the read one kept from events over RabbitMQ.
package cqrs

import (
	"context"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// Base is event-carried state transfer whose ordering answers its reads from a
// read model of its own (Async.ReadModel), kept from events on the queue of
// the ordering-view consumer.
var Base = &app.Base{
	Name:        "cqrs",
	Description: "ordering's commands go to its write model; its reads come from a read model that events keep",
	NoSyncCalls: true,
	Async:       segregated(app.StateTransferAsync()),
	Gateway:     app.LiveEvents,
}

// segregated gives ordering its versioned write side and its read model.
func segregated(a *app.Async) *app.Async {
	a.OrderingStore = func(ctx context.Context, p *app.Parts, em messaging.Emitter) (ordering.Repository, error) {
		return openWriteSide(ctx, p.DB, em)
	}
	a.ReadModel = &app.ReadModel{Consumer: viewConsumer, Handles: Handles, Open: openView}
	return a
}

func init() { app.RegisterBase(Base) }
