package messaging_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

// TestConsumer_prepare checks the handlers in two steps: Prepare runs outside
// the transaction and is retried when it fails transiently, the handler it
// returns has one effect, and a duplicate is acked without preparing.
func TestConsumer_prepare(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, service)
		rec := &recorder{db: db}
		var prepared, inTx atomic.Int64
		prepare := func(ctx context.Context, ev messaging.Event) (messaging.Handler, error) {
			if db.InTransaction(ctx) {
				inTx.Add(1)
			}
			if prepared.Add(1) == 1 {
				return nil, domain.Errorf(domain.CodeUnavailable, "the owner is down")
			}
			return rec.handle, nil
		}
		startConsumer(t, url, n, service, db, nil, messaging.ConsumerConfig{Retry: fastRetry,
			Prepare: map[string]messaging.Prepare{messaging.OrderShipped: prepare}})
		ch := rawChannel(t, url)
		ev := newStep(t, messaging.OrderShipped, "order-1", 0)
		publishEvent(t, ch, n, ev)
		publishEvent(t, ch, n, ev)
		last := newStep(t, messaging.OrderShipped, "order-1", 1)
		publishEvent(t, ch, n, last)
		eventually(t, "the last event is processed", func() bool {
			ok, err := messaging.Processed(t.Context(), db, service, last.ID)
			must(t, err)
			return ok
		})
		checkExactlyOnceInOrder(t, effects(t, db), []string{"order-1"}, 2)
		if got := prepared.Load(); got != 3 {
			t.Errorf("prepared %d times, want 3 (a retry, then once per event; none for the duplicate)", got)
		}
		if inTx.Load() != 0 {
			t.Error("prepare ran inside a transaction")
		}
	})
}

func TestNewConsumer_prepareAndHandlerForOneType(t *testing.T) {
	h := func(context.Context, messaging.Event) error { return nil }
	p := func(context.Context, messaging.Event) (messaging.Handler, error) { return h, nil }
	n, err := messaging.NewNames("test", "")
	must(t, err)
	db := &store.DB{}
	_, err = messaging.NewConsumer("amqp://x", n, service, db, messaging.Handlers{messaging.OrderShipped: h},
		messaging.ConsumerConfig{Prepare: map[string]messaging.Prepare{messaging.OrderShipped: p}})
	if err == nil {
		t.Fatal("a type with both kinds of handler: got no error")
	}
	if _, err := messaging.NewConsumer("amqp://x", n, service, db, nil,
		messaging.ConsumerConfig{Prepare: map[string]messaging.Prepare{messaging.OrderShipped: p}}); err != nil {
		t.Errorf("prepared handlers only: %v", err)
	}
}
