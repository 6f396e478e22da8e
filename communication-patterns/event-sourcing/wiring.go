// Pattern: Event sourcing. A service that stores only the current state of
// its data forgets how it got there: it cannot say what an order looked like
// before it was confirmed, rebuild a view it did not think of in advance, or
// prove what happened. Here ordering keeps each order as a stream of events in
// an append-only table, and that stream is the source of truth: the current
// state is the fold of the events (from the latest snapshot on), any past
// state is the fold of a prefix, and the events are published from the same
// transaction that appends them, so the store is its own outbox.
//
// The other services react as in event-carried state transfer
// (app.StateTransfer): the events ordering publishes carry the whole order,
// as the fold gives it, so no one reads the event store back.

// Package eventsourcing is the event sourcing base: ordering keeps orders as
// streams of events, and the services choreograph with fat events over RabbitMQ.
package eventsourcing

import (
	"context"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/events"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// Base is event-carried state transfer with ordering's orders kept in an
// event store (OrderingStore): the same fat events, the same reactions and
// local copies, and GET /api/orders/{orderId}/events, ?asOf= and ?version= on
// top, which no other base has.
var Base = &app.Base{
	Name:        "event-sourcing",
	Description: "ordering keeps each order as a stream of events, the source of truth; state is their fold",
	NoSyncCalls: true,
	History:     true,
	Async:       eventSourced(app.StateTransferAsync()),
	Gateway:     app.LiveEvents,
}

// eventSourced keeps ordering's orders in the event store.
func eventSourced(a *app.Async) *app.Async {
	a.OrderingStore = openEventStore
	return a
}

// openEventStore creates the event store's tables in ordering's database and
// returns the store, which publishes the contract's order events through em.
func openEventStore(ctx context.Context, p *app.Parts, em messaging.Emitter) (ordering.Repository, error) {
	s, err := loadSettings(p.Env)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, p.DB); err != nil {
		return nil, err
	}
	return NewEventStore(p.DB, events.NewOrderEvents(em), s.snapshotEvery), nil
}

func init() { app.RegisterBase(Base) }
