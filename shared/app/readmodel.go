package app

import (
	"context"
	"errors"
	"github.com/microservice-patterns/lab/shared/config"
	"maps"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/gateway"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/store"
)

// ReadModel is the query side of a CQRS base (Async.ReadModel): ordering
// answers GET /api/orders and GET /api/orders/{orderId} from a model of its
// own, kept in its own tables by a consumer of its own, which receives the
// events named in Handles on its own queue (named after Consumer) beside
// ordering's. The commands stay with ordering's core, which never reads the
// model. Such a base's reads are eventually consistent (Base.EventualReads).
type ReadModel struct {
	// Consumer names the read model's consumer, hence its queue and its rows
	// in the inbox, e.g. "ordering-view".
	Consumer string
	// Handles lists the event types the read model is kept from.
	Handles []string
	// Open builds the read model in the ordering service.
	Open func(ctx context.Context, p *Parts) (*Projection, error)
}

// Projection is an open read model.
type Projection struct {
	// DB is the read model's own database; its consumer's inbox is in it, so
	// an event and its effect on the model commit together.
	DB *store.DB
	// Handle applies one event, in the consumer's transaction on DB.
	Handle messaging.Handler
	// Queries answer the reads of orders.
	Queries ordering.Queries
	// Commands, when set, runs before ordering's routes (e.g. it tells the
	// client which version of the order a command produced).
	Commands gin.HandlerFunc
	// Admin adds the read model's operator routes under /admin/.
	Admin func(r gin.IRouter)
	// State reports the read model's state at GET /admin/patterns.
	State func() Table
	// Close releases what the read model holds, after its consumer stopped.
	Close func() error
}

// readModelName names the read model's state in GET /admin/patterns.
const readModelName = "read-model"

// EventualReads reports whether the base answers reads from a read model that
// follows its writes (a CQRS base): a client then polls until a read shows
// the write it waits for.
func (b *Base) EventualReads() bool { return b.Async != nil && b.Async.ReadModel != nil }

// topology lists the event types each consumer of the variant handles: the
// services' reactions, and the read model's own consumer.
func (a *Async) topology(rs Reactions) map[string][]string {
	t := rs.Topology()
	if rm := a.ReadModel; rm != nil {
		t[rm.Consumer] = slices.Sorted(slices.Values(rm.Handles))
	}
	return t
}

// checkReadModel reports what is wrong with the read model's settings.
func (a *Async) checkReadModel(rs Reactions) error {
	rm := a.ReadModel
	if rm == nil {
		return nil
	}
	if rm.Consumer == "" || rm.Open == nil || len(rm.Handles) == 0 {
		return errors.New("async: a read model needs a consumer's name, the events it handles and Open")
	}
	if slices.Contains(slices.Collect(maps.Keys(rs)), rm.Consumer) {
		return errors.New("async: the read model's consumer is named like a service")
	}
	return nil
}

// openReadModel opens the read model of an ordering service.
func (s *asyncService) openReadModel(ctx context.Context) error {
	rm := s.a.ReadModel
	proj, err := rm.Open(ctx, s.p)
	if err != nil {
		return err
	}
	if proj.DB == nil || proj.Handle == nil || proj.Queries == nil {
		return errors.Join(errors.New("the read model has no database, handler or queries"), closeProjection(proj))
	}
	s.view = proj
	return nil
}

// viewConsumer is the read model's consumer: its own queue, its own inbox rows.
func (s *asyncService) viewConsumer() (*messaging.Consumer, error) {
	rm, p := s.a.ReadModel, s.p
	prepare := map[string]messaging.Prepare{}
	for _, typ := range rm.Handles {
		prepare[typ] = func(context.Context, messaging.Event) (messaging.Handler, error) {
			return s.exts.handle(typ, s.view.Handle), nil
		}
	}
	return messaging.NewConsumer(p.Config.AMQPURL, s.names, rm.Consumer, s.view.DB, nil,
		messaging.ConsumerConfig{Logger: p.Log.With("consumer", rm.Consumer), Retry: consumerRetry,
			Prepare: prepare, Observer: s.observer, Hold: p.hold()})
}

// states reports the read model's state for GET /admin/patterns.
func (s *asyncService) states() []gateway.NamedTable {
	if s.view == nil || s.view.State == nil {
		return nil
	}
	return []gateway.NamedTable{{Pattern: readModelName, Table: s.view.State()}}
}

func closeProjection(p *Projection) error {
	if p.Close != nil {
		return p.Close()
	}
	return nil
}

// Consumers names every consumer the variant has on the broker — each
// service, and a read model's own (CQRS) — so that a run's teardown deletes
// every queue it declared.
func (v Variant) Consumers() []string {
	out := slices.Clone(config.Services)
	if b := v.base(); b != nil && b.Async != nil && b.Async.ReadModel != nil {
		out = append(out, b.Async.ReadModel.Consumer)
	}
	return out
}
