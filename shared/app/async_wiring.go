package app

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/events"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/billing"
	"github.com/microservice-patterns/lab/shared/services/customers"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/services/shipping"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/store"
)

// asyncService is one service of an asynchronous variant: its parts, and the
// relay, consumer and shipper that run beside its HTTP handler until closed.
type asyncService struct {
	a         *Async
	exts      extensions
	p         *Parts
	names     messaging.Names
	reactions Reactions
	relay     *messaging.Relay
	consumer  *messaging.Consumer
	observer  *messaging.Observer
	view      *Projection         // ordering's read model, when the base has one
	viewer    *messaging.Consumer // the read model's consumer

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// asyncWiring wires a service of an asynchronous variant: the messaging (and
// replica) tables, the outbox and its relay, which declares every consumer's
// queue before it publishes.
func asyncWiring(ctx context.Context, v Variant, db *store.DB, d Deps, exts extensions) (*wiring, error) {
	a := v.base().Async
	if err := a.check(v.base()); err != nil {
		return nil, err
	}
	reactions, err := a.all()
	if err != nil {
		return nil, err
	}
	if err := messaging.Migrate(ctx, db); err != nil {
		return nil, err
	}
	p := &Parts{Deps: d, DB: db, Outbox: messaging.NewOutbox(db)}
	if a.Replicas {
		if err := store.MigrateReplicas(ctx, db); err != nil {
			return nil, err
		}
		p.Replicas = store.NewReplicas(db)
	}
	names, err := messaging.NewNames(v.Name, d.Config.RunID)
	if err != nil {
		return nil, err
	}
	s := &asyncService{a: a, exts: exts, p: p, names: names, reactions: reactions, cancel: func() {}}
	s.observer = exts.observer(p.Outbox)
	s.relay = messaging.NewRelay(p.Outbox, d.Config.AMQPURL, names,
		messaging.RelayConfig{Logger: d.Log, Topology: a.topology(reactions), Observer: s.observer})
	return &wiring{
		checks:   map[string]httpx.Check{"database": db.Ping, "broker": s.brokerReady, "copies": s.copiesReady},
		register: s.register,
		close:    s.close,
		states:   s.states,
	}, nil
}

// register builds the service over its decorated repository, registers its
// public routes (no internal ones: no service commands another), seeds it,
// which announces its data, and starts the relay, the consumer and the shipper.
func (s *asyncService) register(ctx context.Context, e *gin.Engine) error {
	seed, err := s.build(ctx, e)
	if err != nil {
		return err
	}
	if seed != nil {
		if err := seed(ctx); err != nil {
			return err
		}
	}
	if byType := s.reactions[s.p.Config.Name]; len(byType) > 0 {
		s.consumer, err = messaging.NewConsumer(s.p.Config.AMQPURL, s.names, s.p.Config.Name, s.p.DB, nil,
			messaging.ConsumerConfig{Outbox: s.p.Outbox, Logger: s.p.Log, Retry: consumerRetry,
				Prepare: prepares(byType, s.p, s.exts), Observer: s.observer, Hold: s.p.hold()})
		if err != nil {
			return err
		}
	}
	if s.view != nil {
		if s.viewer, err = s.viewConsumer(); err != nil {
			return err
		}
	}
	s.start()
	return nil
}

// build makes the running service's core over its repository decorated with
// events, registers its routes, and returns its seeding, if it has one.
func (s *asyncService) build(ctx context.Context, e *gin.Engine) (func(context.Context) error, error) {
	p, db := s.p, s.p.DB
	em := messaging.Emitter{Source: "/" + p.Config.Name, Style: s.a.Style, Tx: p.Outbox}
	switch p.Config.Name {
	case "customers":
		p.Customers = customers.New(announced[customers.Repository](s, store.NewCustomers(db), events.Customers, em))
		customers.Routes(e, p.Customers)
		return p.Customers.Seed, nil
	case "warehouse":
		p.Warehouse = warehouse.New(announced[warehouse.Repository](s, store.NewWarehouse(db), events.Warehouse, em))
		warehouse.Routes(e, p.Warehouse)
		return p.Warehouse.Seed, nil
	case "shipping":
		// No ports: the order and the address reach ShipOrder through the reactions.
		p.Shipping = shipping.New(announced[shipping.Repository](s, store.NewShipments(db), events.Shipping, em), nil, nil, p.Config.ShipDelay)
		shipping.Routes(e, p.Shipping)
	case "billing":
		p.Billing = billing.New(announced[billing.Repository](s, store.NewInvoices(db), events.Billing, em), nil, nil)
		billing.Routes(e, p.Billing)
	case "ordering":
		ports, err := s.a.OrderingPorts(p)
		if err != nil {
			return nil, fmt.Errorf("wire ordering: %w", err)
		}
		repo := events.Ordering(store.NewOrders(db), em)
		if s.a.OrderingStore != nil {
			if repo, err = s.a.OrderingStore(ctx, p, em); err != nil {
				return nil, fmt.Errorf("wire ordering's store: %w", err)
			}
		}
		if p.Ordering, err = ordering.NewChoreography(repo, ports); err != nil {
			return nil, err
		}
		if s.a.ReadModel == nil {
			ordering.Routes(e, p.Ordering)
			return nil, nil
		}
		if err := s.openReadModel(ctx); err != nil {
			return nil, fmt.Errorf("open ordering's read model: %w", err)
		}
		if s.view.Admin != nil {
			s.view.Admin(e.Group("/admin"))
		}
		if s.view.Commands != nil {
			e.Use(s.view.Commands)
		}
		ordering.Routes(e, p.Ordering, ordering.WithQueries(s.view.Queries))
	default:
		return nil, fmt.Errorf("unknown service %q", p.Config.Name)
	}
	return nil, nil
}

// announced decorates a service's repository with its events, unless the base
// announces none (Async.NoEvents).
func announced[R any](s *asyncService, repo R, decorate func(R, messaging.Emitter) R, em messaging.Emitter) R {
	if s.a.NoEvents {
		return repo
	}
	return decorate(repo, em)
}

// start runs the relay, the consumer and, for a shipping service with a delay,
// the shipper, until close.
func (s *asyncService) start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Go(func() { _ = s.relay.Run(ctx) })
	if s.consumer != nil {
		s.wg.Go(func() { _ = s.consumer.Run(ctx) })
	}
	if s.viewer != nil {
		s.wg.Go(func() { _ = s.viewer.Run(ctx) })
	}
	if s.a.Run != nil {
		s.wg.Go(func() { s.a.Run(ctx, s.p) })
	}
	if s.p.Shipping != nil && s.p.Shipping.Delay() > 0 {
		s.wg.Go(func() { runShipper(ctx, s.p) })
	}
}

// close stops what runs and closes the database.
func (s *asyncService) close() error {
	s.cancel()
	s.wg.Wait()
	var viewErr error
	if s.view != nil {
		viewErr = closeProjection(s.view)
	}
	return errors.Join(viewErr, s.p.DB.Close())
}

// brokerReady is the readiness check of the broker: the relay, and the
// consumer when the service has one, hold a connection.
func (s *asyncService) brokerReady(context.Context) error {
	if !s.relay.Connected() {
		return errors.New("the relay is not connected to the broker")
	}
	if s.reactions[s.p.Config.Name] != nil && (s.consumer == nil || !s.consumer.Connected()) {
		return errors.New("the consumer is not connected to the broker")
	}
	if s.view != nil && (s.viewer == nil || !s.viewer.Connected()) {
		return errors.New("the read model's consumer is not connected to the broker")
	}
	return nil
}

// copiesReady is the readiness check of the local copies: a service that keeps
// copies of customers or products is ready once they hold the seed data every
// lab starts with, which the owners announce when they start.
func (s *asyncService) copiesReady(ctx context.Context) error {
	if s.p.Replicas == nil {
		return nil
	}
	var custIDs, prodIDs []string
	if _, ok := s.reactions[s.p.Config.Name][messaging.CustomerCreated]; ok {
		for _, c := range customers.Seed {
			custIDs = append(custIDs, c.CustomerID)
		}
	}
	if _, ok := s.reactions[s.p.Config.Name][messaging.ProductChanged]; ok {
		for _, p := range warehouse.Seed {
			prodIDs = append(prodIDs, p.ProductID)
		}
	}
	ok, err := s.p.Replicas.Holds(ctx, custIDs, prodIDs)
	if err == nil && !ok {
		err = errors.New("the local copies do not hold the seed data yet")
	}
	return err
}
