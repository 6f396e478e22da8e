package messagingtest_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/messaging/messagingtest"
)

func mustEvent(t *testing.T, typ, subject string) messaging.Event {
	t.Helper()
	ev, err := messaging.NewEvent("/test", typ, subject, map[string]string{"orderId": subject})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestPublisher(t *testing.T) {
	t.Run("records events in order", func(t *testing.T) {
		var p messagingtest.Publisher
		for _, typ := range []string{messaging.OrderCreated, messaging.OrderConfirmed, messaging.OrderCreated} {
			if err := p.Publish(t.Context(), mustEvent(t, typ, "o1")); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{messaging.OrderCreated, messaging.OrderConfirmed, messaging.OrderCreated}
		if got := p.Types(); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if got := len(p.OfType(messaging.OrderCreated)); got != 2 {
			t.Errorf("got %d order.created, want 2", got)
		}
		p.Reset()
		if got := len(p.Events()); got != 0 {
			t.Errorf("after Reset: got %d events, want 0", got)
		}
	})
	t.Run("refuses an invalid event", func(t *testing.T) {
		var p messagingtest.Publisher
		if err := p.Publish(t.Context(), messaging.Event{}); err == nil {
			t.Fatal("got no error")
		}
	})
	t.Run("fails with Err and records nothing", func(t *testing.T) {
		p := messagingtest.Publisher{Err: errors.New("down")}
		if err := p.Publish(t.Context(), mustEvent(t, messaging.OrderCreated, "o1")); err == nil {
			t.Fatal("got no error")
		}
		if got := len(p.Events()); got != 0 {
			t.Errorf("got %d events, want 0", got)
		}
	})
	t.Run("delivers to handlers by type", func(t *testing.T) {
		var p messagingtest.Publisher
		_ = p.Publish(t.Context(), mustEvent(t, messaging.OrderCreated, "o1"))
		_ = p.Publish(t.Context(), mustEvent(t, messaging.OrderShipped, "o1"))
		var got []string
		err := p.Deliver(t.Context(), messaging.Handlers{
			messaging.OrderShipped: func(_ context.Context, ev messaging.Event) error {
				got = append(got, ev.Subject)
				return nil
			},
		})
		if err != nil || !slices.Equal(got, []string{"o1"}) {
			t.Errorf("got %v, %v; want [o1], nil", got, err)
		}
	})
}
