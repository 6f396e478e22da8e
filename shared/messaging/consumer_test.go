package messaging_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.opentelemetry.io/otel/trace"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

const service = "billing"

// fastRetry keeps the tests' retries short.
var fastRetry = messaging.RetryPolicy{Attempts: 3, Backoff: messaging.Backoff{Min: 10 * time.Millisecond, Max: 40 * time.Millisecond}}

// publishRaw publishes a body to the exchange as a plain client would: the
// tests' way to send duplicates and malformed messages.
func publishRaw(tb testing.TB, ch *amqp.Channel, n messaging.Names, routingKey, id string, body []byte) {
	tb.Helper()
	must(tb, ch.PublishWithContext(tb.Context(), n.Exchange(), routingKey, false, false, amqp.Publishing{
		MessageId: id, Type: routingKey, ContentType: messaging.ContentType, DeliveryMode: amqp.Persistent, Body: body,
	}))
}

func publishEvent(tb testing.TB, ch *amqp.Channel, n messaging.Names, ev messaging.Event) {
	tb.Helper()
	body, err := ev.Marshal()
	must(tb, err)
	publishRaw(tb, ch, n, ev.Type, ev.ID, body)
}

// queueLen counts the ready messages of a queue.
func queueLen(tb testing.TB, ch *amqp.Channel, queue string) int {
	tb.Helper()
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	must(tb, err)
	return q.Messages
}

func TestConsumer_duplicateHasOneEffect(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, service)
		rec := &recorder{db: db}
		startConsumer(t, url, n, service, db, messaging.Handlers{messaging.OrderShipped: rec.handle},
			messaging.ConsumerConfig{})
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
		if got := rec.calls.Load(); got != 2 {
			t.Errorf("handler calls: got %d, want 2 (the duplicate is acked without a call)", got)
		}
		eventually(t, "every message is acked", func() bool { return queueLen(t, ch, n.Queue(service)) == 0 })
	})
}

func TestConsumer_transientFailureIsRetried(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, service)
		rec := &recorder{db: db}
		var failures atomic.Int64
		flaky := func(ctx context.Context, ev messaging.Event) error {
			// The effect is written first: a failed attempt must roll it back.
			if err := rec.handle(ctx, ev); err != nil {
				return err
			}
			switch failures.Add(1) {
			case 1:
				return messaging.Retryable(errors.New("flaky"))
			case 2:
				return domain.Errorf(domain.CodeUnavailable, "warehouse unavailable")
			}
			return nil
		}
		startConsumer(t, url, n, service, db, messaging.Handlers{messaging.OrderShipped: flaky},
			messaging.ConsumerConfig{Retry: fastRetry})
		ev := newStep(t, messaging.OrderShipped, "order-1", 0)
		publishEvent(t, rawChannel(t, url), n, ev)

		eventually(t, "the event is processed", func() bool { return countEffects(t, db) > 0 })
		checkExactlyOnceInOrder(t, effects(t, db), []string{"order-1"}, 1)
		if got := failures.Load(); got != 3 {
			t.Errorf("attempts: got %d, want 3", got)
		}
	})
}

func TestConsumer_deadLetters(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, service)
		rec := &recorder{db: db}
		handle := func(ctx context.Context, ev messaging.Event) error {
			switch ev.Subject {
			case "permanent":
				return domain.Errorf(domain.CodeConflict, "order is cancelled")
			case "always-down":
				return domain.Errorf(domain.CodeUnavailable, "still down")
			}
			return rec.handle(ctx, ev)
		}
		startConsumer(t, url, n, service, db, messaging.Handlers{messaging.OrderShipped: handle},
			messaging.ConsumerConfig{Retry: fastRetry, Prefetch: 1})
		ch := rawChannel(t, url)
		publishEvent(t, ch, n, newStep(t, messaging.OrderShipped, "permanent", 0))
		publishRaw(t, ch, n, messaging.OrderShipped, "poison", []byte("{not json"))
		publishEvent(t, ch, n, newStep(t, messaging.OrderShipped, "always-down", 0))
		unknown, err := newStep(t, "order.teleported", "order-1", 0).Marshal()
		must(t, err)
		publishRaw(t, ch, n, messaging.OrderShipped, "unknown", unknown)
		publishEvent(t, ch, n, newStep(t, messaging.OrderShipped, "order-1", 0))

		eventually(t, "the good event is processed", func() bool { return countEffects(t, db) == 1 })
		checkDeadLetters(t, ch, n, []deadLetter{{"order is cancelled", 1}, {"malformed message", 1}, {"still down", 3},
			{`no handler for event type "order.teleported"`, 1}})
		eventually(t, "the work queue is empty", func() bool { return queueLen(t, ch, n.Queue(service)) == 0 })
	})
}

// deadLetter is what a test expects of one dead letter.
type deadLetter struct {
	reason   string // part of x-lab-error
	attempts int32
}

// checkDeadLetters reads the service's dead letters, in order.
func checkDeadLetters(t *testing.T, ch *amqp.Channel, n messaging.Names, want []deadLetter) {
	t.Helper()
	for _, w := range want {
		d := getMessage(t, ch, n.DeadLetterQueue(service))
		reason, _ := d.Headers[messaging.HeaderError].(string)
		if !contains(reason, w.reason) || d.Headers[messaging.HeaderAttempts] != w.attempts ||
			d.Headers[messaging.HeaderQueue] != n.Queue(service) {
			t.Errorf("dead letter %s: got headers %v, want %q after %d attempts", d.MessageId, d.Headers,
				w.reason, w.attempts)
		}
	}
}

func contains(s, part string) bool { return part != "" && strings.Contains(s, part) }

// TestConsumer_handlerPublishesThroughOutbox: the events a handler publishes
// commit with its effect and inbox record, and go out as soon as they commit
// (the relay never polls here).
func TestConsumer_handlerPublishesThroughOutbox(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, service, probe)
		must(t, messaging.Declare(url, n, probe, []string{messaging.InvoiceIssued}))
		ob := messaging.NewOutbox(db)
		issue := func(ctx context.Context, ev messaging.Event) error {
			next, err := messaging.NewEvent("/billing", messaging.InvoiceIssued, ev.Subject, map[string]string{"orderId": ev.Subject})
			if err != nil {
				return err
			}
			return ob.Publish(ctx, next)
		}
		startConsumer(t, url, n, service, db, messaging.Handlers{messaging.OrderShipped: issue},
			messaging.ConsumerConfig{Outbox: ob})
		r := messaging.NewRelay(ob, url, n, messaging.RelayConfig{Poll: time.Hour, Logger: testLogger(t)})
		run(t, r.Run)
		eventually(t, "the relay connects", r.Connected)

		ch := rawChannel(t, url)
		publishEvent(t, ch, n, newStep(t, messaging.OrderShipped, "order-7", 0))
		d := getMessage(t, ch, n.Queue(probe))
		if d.Type != messaging.InvoiceIssued {
			t.Fatalf("got %s, want invoice.issued", d.Type)
		}
		ev, err := messaging.ParseEvent(d.Body)
		must(t, err)
		if ev.Subject != "order-7" {
			t.Errorf("subject: got %q, want order-7", ev.Subject)
		}
	})
}

// TestConsumer_continuesTheTrace: the trace context of the transaction that
// added an event reaches the handler's ctx.
func TestConsumer_continuesTheTrace(t *testing.T) {
	url := brokerURL(t)
	db := openDB(t, store.SQLite)
	n := newNames(t, url, service)
	ob := messaging.NewOutbox(db)
	got := make(chan trace.SpanContext, 1)
	startConsumer(t, url, n, service, db, messaging.Handlers{messaging.OrderCompleted: func(ctx context.Context, _ messaging.Event) error {
		got <- trace.SpanContextFromContext(ctx)
		return nil
	}}, messaging.ConsumerConfig{Outbox: ob})
	startRelay(t, ob, url, n)

	ctx, sent := withTrace(t.Context())
	must(t, ob.InTx(ctx, func(ctx context.Context) error {
		return ob.Publish(ctx, newStep(t, messaging.OrderCompleted, "order-1", 0))
	}))
	select {
	case sc := <-got:
		if sc.TraceID() != sent.TraceID() || !sc.IsSampled() {
			t.Errorf("got trace %s (sampled %v), want %s", sc.TraceID(), sc.IsSampled(), sent.TraceID())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler was not called")
	}
}

func TestConsumer_holdKeepsTheEventsQueued(t *testing.T) {
	url := brokerURL(t)
	db := openDB(t, store.SQLite)
	n := newNames(t, url, service)
	rec := &recorder{db: db}
	release := make(chan struct{})
	var held atomic.Int64
	hold := func(ctx context.Context) error {
		held.Add(1)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	startConsumer(t, url, n, service, db, messaging.Handlers{messaging.OrderShipped: rec.handle},
		messaging.ConsumerConfig{Hold: hold})
	ev := newStep(t, messaging.OrderShipped, "order-1", 0)
	publishEvent(t, rawChannel(t, url), n, ev)
	eventually(t, "the consumer holds the event", func() bool { return held.Load() > 0 })
	time.Sleep(100 * time.Millisecond)
	if got := rec.calls.Load(); got != 0 {
		t.Fatalf("handler calls while held: %d, want 0", got)
	}
	close(release)
	eventually(t, "the event is processed once released", func() bool { return countEffects(t, db) > 0 })
}
