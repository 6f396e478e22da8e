package messaging_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/microservice-patterns/lab/shared/messaging"
)

// TestTeardownRun_keepsDeadLetters: a dead-letter queue with messages is
// kept, with its exchange, and reported; everything else of the run goes.
func TestTeardownRun_keepsDeadLetters(t *testing.T) {
	url := brokerURL(t)
	n := newNames(t, url, "billing", "shipping")
	must(t, messaging.Declare(url, n, "billing", []string{messaging.OrderShipped}))
	must(t, messaging.Declare(url, n, "shipping", []string{messaging.OrderConfirmed}))
	ch := rawChannel(t, url)
	must(t, ch.PublishWithContext(t.Context(), n.DeadLetterExchange("billing"), "", false, false, amqp.Publishing{Body: []byte("evidence")}))
	eventually(t, "the dead letter to arrive", func() bool {
		q, err := ch.QueueDeclarePassive(n.DeadLetterQueue("billing"), true, false, false, false, nil)
		must(t, err)
		return q.Messages == 1
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	kept, err := messaging.TeardownRun(ctx, url, n, []string{"billing", "shipping"}, true)
	must(t, err)
	if want := []messaging.KeptQueue{{Name: n.DeadLetterQueue("billing"), Messages: 1}}; !slices.Equal(kept, want) {
		t.Errorf("kept %v, want %v", kept, want)
	}
	left, err := messaging.Existing(ctx, url, n, "billing", "shipping")
	must(t, err)
	if want := []string{n.DeadLetterQueue("billing"), n.DeadLetterExchange("billing")}; !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
	// newNames' cleanup drops the kept queue and checks that nothing is left.
}

// TestRunExpiry: the safety net. A run's queues expire when unused, and its
// exchanges go with their last queue, so a killed run leaves nothing behind.
func TestRunExpiry(t *testing.T) {
	url := brokerURL(t)
	n := newNames(t, url, "billing")
	n = n.WithExpiry(messaging.RunExpiry{Queue: 300 * time.Millisecond, DeadLetter: 600 * time.Millisecond})
	must(t, messaging.Declare(url, n, "billing", []string{messaging.OrderShipped}))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	left, err := messaging.Existing(ctx, url, n, "billing")
	must(t, err)
	if len(left) != 4 {
		t.Fatalf("declared %v, want 4 names", left)
	}
	// A passive declare counts as a use and starts the expiry again, so look
	// seldom: each look leaves the queues time to expire before the next.
	for range 10 {
		time.Sleep(1500 * time.Millisecond)
		if left, err = messaging.Existing(ctx, url, n, "billing"); err != nil || len(left) == 0 {
			break
		}
	}
	if err != nil || len(left) > 0 {
		t.Errorf("the run's names did not expire: still %v (%v)", left, err)
	}
}

// TestNamedTopology_unchanged: the named topology (no run id) is declared with
// the arguments it always had, so a broker that kept it from an older run
// accepts the declare, and it carries no expiry.
func TestNamedTopology_unchanged(t *testing.T) {
	url := brokerURL(t)
	n, err := messaging.NewNames("test-named-"+randomHex(4), "")
	must(t, err)
	t.Cleanup(func() { teardown(t, url, n, "billing") })
	ch := rawChannel(t, url)
	// What the lab declared before runs had a safety net.
	must(t, ch.ExchangeDeclare(n.Exchange(), amqp.ExchangeTopic, true, false, false, false, nil))
	must(t, ch.ExchangeDeclare(n.DeadLetterExchange("billing"), amqp.ExchangeFanout, true, false, false, false, nil))
	_, err = ch.QueueDeclare(n.DeadLetterQueue("billing"), true, false, false, false, nil)
	must(t, err)
	_, err = ch.QueueDeclare(n.Queue("billing"), true, false, false, false,
		amqp.Table{"x-dead-letter-exchange": n.DeadLetterExchange("billing")})
	must(t, err)
	must(t, messaging.Declare(url, n, "billing", []string{messaging.OrderShipped}))

	// A run's names do carry other arguments: the same declare by hand is refused.
	r := newNames(t, url, "billing")
	must(t, messaging.Declare(url, r, "billing", []string{messaging.OrderShipped}))
	_, err = ch.QueueDeclare(r.Queue("billing"), true, false, false, false,
		amqp.Table{"x-dead-letter-exchange": r.DeadLetterExchange("billing")})
	var ae *amqp.Error
	if !errors.As(err, &ae) || ae.Code != amqp.PreconditionFailed {
		t.Errorf("declaring a run's queue without its expiry: got %v, want PRECONDITION_FAILED", err)
	}
}

// TestAdmin_refusals: a conditional delete the broker refuses is ErrRefused,
// and the admin goes on working on a fresh channel.
func TestAdmin_refusals(t *testing.T) {
	url := brokerURL(t)
	n := newNames(t, url, "billing")
	must(t, messaging.Declare(url, n, "billing", []string{messaging.OrderShipped}))
	ch := rawChannel(t, url)
	must(t, ch.PublishWithContext(t.Context(), n.Exchange(), messaging.OrderShipped, false, false, amqp.Publishing{Body: []byte("x")}))
	consumer := rawChannel(t, url)
	_, err := consumer.Consume(n.DeadLetterQueue("billing"), "watcher", false, false, false, false, nil)
	must(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	a, err := messaging.NewAdmin(ctx, url, "test admin")
	must(t, err)
	defer a.Close()
	eventually(t, "the message to arrive", func() bool {
		_, messages, _, err := a.Queue(n.Queue("billing"))
		must(t, err)
		return messages == 1
	})
	if _, err := a.DeleteQueue(n.DeadLetterQueue("billing"), true, false); !errors.Is(err, messaging.ErrRefused) {
		t.Errorf("delete a queue with a consumer if unused: got %v, want ErrRefused", err)
	}
	if _, err := a.DeleteQueue(n.Queue("billing"), false, true); !errors.Is(err, messaging.ErrRefused) {
		t.Errorf("delete a queue with a message if empty: got %v, want ErrRefused", err)
	}
	if err := a.DeleteExchange(n.Exchange(), true); !errors.Is(err, messaging.ErrRefused) {
		t.Errorf("delete a bound exchange if unused: got %v, want ErrRefused", err)
	}
	exists, messages, consumers, err := a.Queue(n.DeadLetterQueue("billing"))
	if !exists || messages != 0 || consumers != 1 || err != nil {
		t.Errorf("dead-letter queue: exists %v, %d messages, %d consumers, %v; want true, 0, 1, nil", exists, messages, consumers, err)
	}
	if purged, err := a.DeleteQueue(n.Queue("billing"), true, false); purged != 1 || err != nil {
		t.Errorf("delete an unused queue: purged %d, %v; want 1, nil", purged, err)
	}
	if exists, _, _, err := a.Queue(n.Queue("billing")); exists || err != nil {
		t.Errorf("after the delete: exists %v, %v", exists, err)
	}
	must(t, consumer.Cancel("watcher", false))
}
