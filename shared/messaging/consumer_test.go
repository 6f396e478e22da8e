package messaging_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

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
		publishEvent(t, ch, n, newStep(t, messaging.OrderShipped, "order-1", 0))

		eventually(t, "the good event is processed", func() bool { return countEffects(t, db) == 1 })
		want := []struct {
			subject, errPart string
			attempts         int32
		}{{"permanent", "order is cancelled", 1}, {"", "malformed message", 1}, {"always-down", "still down", 3}}
		for _, w := range want {
			d := getMessage(t, ch, n.DeadLetterQueue(service))
			reason, _ := d.Headers[messaging.HeaderError].(string)
			if !contains(reason, w.errPart) || d.Headers[messaging.HeaderAttempts] != w.attempts ||
				d.Headers[messaging.HeaderQueue] != n.Queue(service) {
				t.Errorf("dead letter %s: got headers %v, want %q after %d attempts", d.MessageId, d.Headers,
					w.errPart, w.attempts)
			}
		}
		eventually(t, "the work queue is empty", func() bool { return queueLen(t, ch, n.Queue(service)) == 0 })
	})
}

func contains(s, part string) bool { return part != "" && strings.Contains(s, part) }
