package messaging_test

import (
	"context"
	"errors"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.opentelemetry.io/otel/trace"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

// withTrace returns ctx carrying a sampled remote span context.
func withTrace(ctx context.Context) (context.Context, trace.SpanContext) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
		Remote:     true,
	})
	return trace.ContextWithSpanContext(ctx, sc), sc
}

func TestOutbox_roundTrip(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, probe)
		must(t, messaging.Declare(url, n, probe, []string{messaging.OrderCreated}))
		ob := messaging.NewOutbox(db)
		startRelay(t, ob, url, n)

		ev := newStep(t, messaging.OrderCreated, "order-1", 0)
		ctx, sc := withTrace(t.Context())
		must(t, ob.InTx(ctx, func(ctx context.Context) error { return ob.Publish(ctx, ev) }))

		d := getMessage(t, rawChannel(t, url), n.Queue(probe))
		got, err := messaging.ParseEvent(d.Body)
		must(t, err)
		if got.ID != ev.ID || got.Type != ev.Type || got.Subject != ev.Subject || !got.Time.Equal(ev.Time) ||
			string(got.Data) != string(ev.Data) || got.Source != "/test" {
			t.Errorf("body: got %+v, want %+v", got, ev)
		}
		checkProperties(t, d, ev)
		if got, want := d.Headers["traceparent"], "00-"+sc.TraceID().String()+"-"+sc.SpanID().String()+"-01"; got != want {
			t.Errorf("traceparent: got %v, want %v", got, want)
		}
		eventually(t, "the row is marked sent", func() bool { return backlog(t, ob) == 0 })
	})
}

func checkProperties(t *testing.T, d amqp.Delivery, ev messaging.Event) {
	t.Helper()
	if d.MessageId != ev.ID || d.Type != ev.Type || d.RoutingKey != ev.Type {
		t.Errorf("message_id, type, routing key: got %q, %q, %q; want %q, %q", d.MessageId, d.Type, d.RoutingKey,
			ev.ID, ev.Type)
	}
	if d.ContentType != "application/cloudevents+json" {
		t.Errorf("content_type: got %q", d.ContentType)
	}
	if d.DeliveryMode != amqp.Persistent {
		t.Errorf("delivery mode: got %d, want persistent", d.DeliveryMode)
	}
	if !d.Timestamp.Equal(ev.Time.Truncate(time.Second)) {
		t.Errorf("timestamp: got %v, want %v", d.Timestamp, ev.Time.Truncate(time.Second))
	}
}

func backlog(tb testing.TB, ob *messaging.Outbox) int {
	tb.Helper()
	n, err := ob.Backlog(tb.Context())
	must(tb, err)
	return n
}

func TestOutbox_rollbackPublishesNothing(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, probe)
		must(t, messaging.Declare(url, n, probe, []string{messaging.OrderCreated, messaging.OrderCanceled}))
		ob := messaging.NewOutbox(db)
		startRelay(t, ob, url, n)

		boom := errors.New("boom")
		err := ob.InTx(t.Context(), func(ctx context.Context) error {
			must(t, ob.Publish(ctx, newStep(t, messaging.OrderCanceled, "order-1", 0)))
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
		// A plain db.InTx rolls back the same way.
		_ = db.InTx(t.Context(), func(ctx context.Context) error {
			must(t, messaging.AddToOutbox(ctx, db, newStep(t, messaging.OrderCanceled, "order-1", 1)))
			return boom
		})
		marker := newStep(t, messaging.OrderCreated, "order-2", 0)
		must(t, ob.Publish(t.Context(), marker))

		ch := rawChannel(t, url)
		if d := getMessage(t, ch, n.Queue(probe)); d.MessageId != marker.ID {
			t.Fatalf("got %s (%s), want only the committed marker", d.MessageId, d.Type)
		}
		eventually(t, "the marker is marked sent", func() bool { return backlog(t, ob) == 0 })
		if q, err := ch.QueueDeclarePassive(n.Queue(probe), true, false, false, false, nil); err != nil || q.Messages != 0 {
			t.Errorf("got %d more messages (%v), want none", q.Messages, err)
		}
	})
}

func TestRelay_marksSentOnlyAfterConfirm(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, probe)
		must(t, messaging.Declare(url, n, probe, []string{messaging.OrderConfirmed}))
		px := newProxy(t, url)
		ob := messaging.NewOutbox(db)
		r := startRelay(t, ob, px.url, n)
		eventually(t, "the relay connects", r.Connected)
		// From now on the broker's answers, confirms included, take 700 ms to arrive.
		px.addToxic(t, `{"name":"slow","type":"latency","stream":"downstream","attributes":{"latency":700}}`)

		ev := newStep(t, messaging.OrderConfirmed, "order-1", 0)
		must(t, ob.Publish(t.Context(), ev))
		if d := getMessage(t, rawChannel(t, url), n.Queue(probe)); d.MessageId != ev.ID {
			t.Fatalf("got %s, want %s", d.MessageId, ev.ID)
		}
		if got := backlog(t, ob); got != 1 {
			t.Fatalf("the message is in the queue, its confirm on its way: got backlog %d, want 1", got)
		}
		eventually(t, "the confirm arrives and the row is marked sent", func() bool { return backlog(t, ob) == 0 })
	})
}

// TestOutbox_InTxNudgesTheRelay: an event published inside Outbox.InTx goes out
// right after the commit, without waiting for a poll.
func TestOutbox_InTxNudgesTheRelay(t *testing.T) {
	url := brokerURL(t)
	forEachDB(t, func(t *testing.T, db *store.DB) {
		n := newNames(t, url, probe)
		must(t, messaging.Declare(url, n, probe, []string{messaging.OrderCompleted}))
		ob := messaging.NewOutbox(db)
		r := messaging.NewRelay(ob, url, n, messaging.RelayConfig{Poll: time.Hour, Logger: testLogger(t)})
		run(t, r.Run)
		eventually(t, "the relay connects", r.Connected)
		ch := rawChannel(t, url)
		for k := range 3 {
			ev := newStep(t, messaging.OrderCompleted, "order-1", k)
			must(t, ob.InTx(t.Context(), func(ctx context.Context) error {
				// A nested InTx joins the transaction; the outermost nudges.
				return ob.InTx(ctx, func(ctx context.Context) error { return ob.Publish(ctx, ev) })
			}))
			if d := getMessage(t, ch, n.Queue(probe)); d.MessageId != ev.ID {
				t.Fatalf("got %s, want %s", d.MessageId, ev.ID)
			}
		}
	})
}
