package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestBroker_listAndClean runs lab broker's listing and clean against the
// real broker, on a run of its own: while a queue has a consumer the run is
// kept whole; then a dead-letter queue with messages is kept and the rest
// goes; with -dead-letters nothing of the run is left.
func TestBroker_listAndClean(t *testing.T) {
	url := testenv.Config().AMQPURL
	probe, err := messaging.NewAdmin(t.Context(), url, "lab broker test")
	testenv.Require(t, "RabbitMQ at "+testenv.HostOf(url), err)
	probe.Close()
	m, err := newManagement(url)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.queues(t.Context())
	testenv.Require(t, "RabbitMQ's management API", err)
	n, err := messaging.NewNames("test-broker", fmt.Sprintf("t%x", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	services := []string{"billing", "shipping"}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = messaging.Teardown(url, n, services...)
		if left, err := messaging.Existing(ctx, url, n, services...); err != nil || len(left) > 0 {
			t.Errorf("the test left %v (%v)", left, err)
		}
	})
	for _, s := range services {
		if err := messaging.Declare(url, n, s, []string{messaging.OrderShipped}); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.PublishWithContext(t.Context(), n.DeadLetterExchange("billing"), "", false, false, amqp.Publishing{Body: []byte("evidence")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Consume(n.Queue("shipping"), "watcher", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	mine := func() *topology {
		ts, err := listBroker(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ts, func(tp *topology) bool { return tp.variant == n.Variant() && tp.run == n.RunID() })
		if i < 0 {
			return nil
		}
		return ts[i]
	}
	tp := mine()
	if tp == nil {
		t.Fatal("the listing lacks the test's run")
	}
	if q, _, _, _ := tp.totals(); q != 4 || len(tp.exchanges) != 3 || tp.expiry != messaging.DefaultRunExpiry.Queue {
		t.Errorf("listed %d queues, exchanges %v, expiry %s; want 4, 3, %s", q, tp.exchanges, tp.expiry, messaging.DefaultRunExpiry.Queue)
	}

	scope := cleanScope{variant: n.Variant(), run: n.RunID()}
	clean1 := func(scope cleanScope) cleanResult {
		a, err := messaging.NewAdmin(ctx, url, "lab broker clean test")
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		ts, err := listBroker(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return clean(a, ts, scope)
	}
	everything := func() []string {
		all := []string{n.Exchange()}
		for _, s := range services {
			all = append(all, n.Queue(s), n.DeadLetterQueue(s), n.DeadLetterExchange(s))
		}
		return all
	}
	expectLeft := func(when string, want []string) {
		t.Helper()
		left, err := messaging.Existing(ctx, url, n, services...)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(left)
		slices.Sort(want)
		if !slices.Equal(left, want) {
			t.Errorf("%s: left %v, want %v", when, left, want)
		}
	}
	// In use: kept whole, whatever the listing's figures (they may lag).
	r := clean1(scope)
	if len(r.kept) != 1 || !strings.HasPrefix(r.kept[0], tp.label()+": 1 consumer") || r.inUse != 1 || r.queues > 0 {
		t.Errorf("a run in use: kept %q, deleted %d queues; want it kept whole", r.kept, r.queues)
	}
	expectLeft("a run in use", everything())

	if err := ch.Cancel("watcher", false); err != nil {
		t.Fatal(err)
	}
	r = clean1(scope)
	if want := n.DeadLetterQueue("billing") + ": 1 dead letter, kept as evidence"; len(r.kept) != 2 || !strings.HasPrefix(r.kept[0], want) {
		t.Errorf("kept %q, want %q and its exchange", r.kept, want)
	}
	if r.queues != 3 || r.inUse != 0 || len(r.errs) > 0 {
		t.Errorf("deleted %d queues, %d in use kept, errors %v; want 3, 0, none", r.queues, r.inUse, r.errs)
	}
	expectLeft("after clean", []string{n.DeadLetterQueue("billing"), n.DeadLetterExchange("billing")})

	scope.deadLetters = true
	if r := clean1(scope); len(r.kept) > 0 || len(r.errs) > 0 {
		t.Errorf("clean -dead-letters kept %q, errors %v", r.kept, r.errs)
	}
	if left, err := messaging.Existing(ctx, url, n, services...); err != nil || len(left) > 0 {
		t.Errorf("after clean -dead-letters: left %v (%v)", left, err)
	}
	if tp := mine(); tp != nil {
		t.Errorf("the listing still has the run: %+v", tp)
	}
}
