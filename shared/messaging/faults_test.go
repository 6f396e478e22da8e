package messaging_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

// TestFaults_connectionCutAndRestored cuts the broker connection of both the
// relay and the consumer twice while a writer keeps adding events: every event
// takes effect exactly once, in order per subject, after the restore.
func TestFaults_connectionCutAndRestored(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, service)
		px := newProxy(t, url)
		ob := messaging.NewOutbox(db)
		rec := &recorder{db: db}
		startConsumer(t, px.url, n, service, db, messaging.Handlers{
			messaging.OrderItemAdded: rec.handle, messaging.OrderItemRemoved: rec.handle,
		}, messaging.ConsumerConfig{Outbox: ob})
		startRelay(t, ob, px.url, n)

		subjects, perSubject := subjectsOf(3), 40
		var wg sync.WaitGroup
		wg.Go(func() { addSteps(t, ob, subjects, perSubject, 3*time.Millisecond) })
		for range 2 {
			time.Sleep(120 * time.Millisecond)
			px.cut()
			time.Sleep(400 * time.Millisecond)
			px.restore(t)
		}
		wg.Wait()
		total := len(subjects) * perSubject
		eventually(t, "every event takes effect", func() bool { return countEffects(t, db) >= total })
		time.Sleep(100 * time.Millisecond) // room for a duplicate to show
		checkExactlyOnceInOrder(t, effects(t, db), subjects, perSubject)
		eventually(t, "the outbox is drained", func() bool { return backlog(t, ob) == 0 })
	})
}

// addSteps adds perSubject events about each subject, interleaved, each in its
// own transaction, alternating two event types.
func addSteps(tb testing.TB, ob *messaging.Outbox, subjects []string, perSubject int, pause time.Duration) {
	for k := range perSubject {
		for _, s := range subjects {
			typ := messaging.OrderItemAdded
			if k%2 == 1 {
				typ = messaging.OrderItemRemoved
			}
			ev := newStep(tb, typ, s, k)
			if err := ob.InTx(context.Background(), func(ctx context.Context) error { return ob.Publish(ctx, ev) }); err != nil {
				tb.Errorf("add event: %v", err)
				return
			}
			time.Sleep(pause)
		}
	}
}

// TestFaults_relayStartsWhileBrokerIsDown: the backlog waits, then drains in order.
func TestFaults_relayStartsWhileBrokerIsDown(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, service)
		rec := &recorder{db: db}
		startConsumer(t, url, n, service, db, messaging.Handlers{messaging.OrderItemAdded: rec.handle,
			messaging.OrderItemRemoved: rec.handle}, messaging.ConsumerConfig{})
		px := newProxy(t, url)
		px.cut()
		ob := messaging.NewOutbox(db)
		r := startRelay(t, ob, px.url, n)
		subjects := subjectsOf(2)
		addSteps(t, ob, subjects, 10, 0)
		time.Sleep(300 * time.Millisecond)
		if r.Connected() || backlog(t, ob) != 20 {
			t.Fatalf("broker down: got connected %v, backlog %d; want false, 20", r.Connected(), backlog(t, ob))
		}
		px.restore(t)
		eventually(t, "the backlog drains", func() bool { return countEffects(t, db) >= 20 })
		checkExactlyOnceInOrder(t, effects(t, db), subjects, 10)
	})
}

// TestFaults_consumerCrashAfterEffectBeforeAck: the connection dies inside the
// handler, after the effect: the ack never reaches the broker, the message comes
// again, and the redelivery changes nothing.
func TestFaults_consumerCrashAfterEffectBeforeAck(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, service)
		px := newProxy(t, url)
		rec := &recorder{db: db}
		var crashed atomic.Bool
		crashing := func(ctx context.Context, ev messaging.Event) error {
			if err := rec.handle(ctx, ev); err != nil {
				return err
			}
			if crashed.CompareAndSwap(false, true) {
				px.cut()
				time.AfterFunc(300*time.Millisecond, func() { px.restore(t) })
			}
			return nil
		}
		c := startConsumer(t, px.url, n, service, db, messaging.Handlers{messaging.InvoiceIssued: crashing},
			messaging.ConsumerConfig{})
		ch := rawChannel(t, url)
		first := newStep(t, messaging.InvoiceIssued, "order-1", 0)
		publishEvent(t, ch, n, first)

		eventually(t, "the connection is cut", crashed.Load)
		eventually(t, "the consumer reconnects", c.Connected)
		eventually(t, "the redelivery is acked", func() bool { return queueLen(t, ch, n.Queue(service)) == 0 })
		second := newStep(t, messaging.InvoiceIssued, "order-1", 1)
		publishEvent(t, ch, n, second)
		eventually(t, "the next event is processed", func() bool { return countEffects(t, db) >= 2 })
		checkExactlyOnceInOrder(t, effects(t, db), []string{"order-1"}, 2)
		if got := rec.calls.Load(); got != 2 {
			t.Errorf("handler calls: got %d, want 2 (the redelivery skips the handler)", got)
		}
	})
}
