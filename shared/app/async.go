package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/billing"
	"github.com/microservice-patterns/lab/shared/services/customers"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/services/shipping"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/store"
)

// Async makes a variant event-driven: the services command no one. Each one
// changes its own data and announces the change as an event, in the same
// transaction, through its outbox (shared/events decorates its repository);
// a relay publishes the events to RabbitMQ, and each service's consumer hands
// the events it subscribes to to its reactions. What differs between the two
// asynchronous variants is set here, in their wiring: the style of the events
// and the reactions that need more than ids.
type Async struct {
	// Style is what the events' data carries: ids only, or the whole resource.
	Style messaging.EventStyle
	// Reactions are the variant's own event handlers. They are added to the
	// Choreography both variants share; a type may be handled once per service.
	Reactions Reactions
	// OrderingPorts returns ordering's Customers and Catalog ports, which check a
	// new order's customer and a new item's product and price.
	OrderingPorts func(p *Parts) (ordering.Ports, error)
	// Replicas gives every service the tables of local copies (Parts.Replicas).
	Replicas bool
	// OrderingStore, when set, keeps ordering's orders instead of the store's
	// orders table decorated with events (events.Ordering): it returns the
	// repository the choreographed core runs on, which publishes the order
	// events through em itself (event sourcing's event store does).
	OrderingStore func(ctx context.Context, p *Parts, em messaging.Emitter) (ordering.Repository, error)
	// ReadModel, when set, answers ordering's reads of orders from a model
	// of its own that events keep (CQRS; see ReadModel).
	ReadModel *ReadModel
	// Orchestrated leaves the shared Choreography out: the base's own
	// Reactions carry the whole flow (messaging's commands and replies).
	Orchestrated bool
	// NoEvents leaves the services' repositories undecorated: customers, the
	// warehouse, shipping and billing announce nothing, and the base's own
	// reactions publish what it needs (messaging's replies).
	NoEvents bool
	// Run, when set, runs beside every service of the base until the service
	// stops; it tells the services apart by p.Config.Name (messaging's
	// ordering watches its saga's deadlines there).
	Run func(ctx context.Context, p *Parts)
}

// Reaction builds one service's handling of one event type from the service's parts.
type Reaction func(p *Parts) messaging.Prepare

// Reactions are event handlers: by consuming service, then by event type.
type Reactions map[string]map[string]Reaction

// Parts are what an asynchronous service is made of; reactions draw on them.
// Of the cores, only the running service's is set.
type Parts struct {
	Deps
	DB       *store.DB
	Outbox   *messaging.Outbox
	Replicas *store.Replicas // nil unless Async.Replicas

	Customers *customers.Service
	Warehouse *warehouse.Service
	Ordering  *ordering.Choreography
	Shipping  *shipping.Service
	Billing   *billing.Service
}

// consumerRetry is how long a consumer retries a transient failure in place
// (about 20 s in all) before it dead-letters the message: long enough to ride
// out a neighbour's restart.
var consumerRetry = messaging.RetryPolicy{Attempts: 10, Backoff: messaging.Backoff{Min: 100 * time.Millisecond, Max: 5 * time.Second}}

// all returns the shared choreography with the variant's reactions added.
func (a *Async) all() (Reactions, error) {
	out := Reactions{}
	sets := []Reactions{Choreography, a.Reactions}
	if a.Orchestrated {
		sets = sets[1:]
	}
	for _, rs := range sets {
		for service, byType := range rs {
			if out[service] == nil {
				out[service] = map[string]Reaction{}
			}
			for typ, r := range byType {
				if _, twice := out[service][typ]; twice {
					return nil, fmt.Errorf("%s handles %s twice", service, typ)
				}
				out[service][typ] = r
			}
		}
	}
	return out, nil
}

// Topology lists the event types each service subscribes to.
func (rs Reactions) Topology() map[string][]string {
	t := map[string][]string{}
	for service, byType := range rs {
		t[service] = slices.Sorted(maps.Keys(byType))
	}
	return t
}

// Topology returns the consuming services of the variant and the event types
// each one handles (for tests that tear a run's broker names down).
func (a *Async) Topology() (map[string][]string, error) {
	rs, err := a.all()
	if err != nil {
		return nil, err
	}
	return a.topology(rs), nil
}

// prepares builds the consumer's handlers of one service from its reactions,
// each wrapped by the patterns' extensions (Extension.Handle).
func prepares(byType map[string]Reaction, p *Parts, exts extensions) map[string]messaging.Prepare {
	out := map[string]messaging.Prepare{}
	for typ, r := range byType {
		inner := r(p)
		out[typ] = func(ctx context.Context, ev messaging.Event) (messaging.Handler, error) {
			h, err := inner(ctx, ev)
			if err != nil || h == nil {
				return h, err
			}
			return exts.handle(typ, h), nil
		}
	}
	return out
}

// check reports what is missing from the base's settings, or set twice.
func (a *Async) check(b *Base) error {
	var errs []error
	if b.OrderingPorts != nil {
		errs = append(errs, errors.New("async: set Async.OrderingPorts, not Base.OrderingPorts, which only a synchronous base uses"))
	}
	if a.Style != messaging.Thin && a.Style != messaging.Fat {
		errs = append(errs, fmt.Errorf("async: unknown event style %q", a.Style))
	}
	if a.OrderingPorts == nil {
		errs = append(errs, errors.New("async: OrderingPorts is required"))
	}
	if rs, err := a.all(); err == nil {
		errs = append(errs, a.checkReadModel(rs))
	}
	return errors.Join(errs...)
}
