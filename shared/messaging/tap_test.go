package messaging_test

import (
	"context"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

func TestTap(t *testing.T) {
	url := brokerURL(t)
	db := openDB(t, store.SQLite)
	n := newNames(t, url)
	ctx, cancel := context.WithCancel(t.Context())
	events, err := messaging.Tap(ctx, url, n)
	must(t, err)
	ob := messaging.NewOutbox(db)
	startRelay(t, ob, url, n)

	want := []messaging.Event{newStep(t, messaging.CustomerCreated, "c-1", 0), newStep(t, messaging.InvoiceIssued, "o-1", 0)}
	for _, ev := range want {
		must(t, ob.Publish(t.Context(), ev))
	}
	for _, w := range want {
		select {
		case got := <-events:
			if got.ID != w.ID || got.Type != w.Type {
				t.Errorf("got %s %s, want %s %s", got.Type, got.ID, w.Type, w.ID)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the tap did not see %s", w.Type)
		}
	}
	cancel()
	select {
	case _, open := <-events:
		for open {
			_, open = <-events
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the tap's channel is still open after its context ended")
	}
}

func TestTap_unreachableBroker(t *testing.T) {
	n, err := messaging.NewNames("test", "")
	must(t, err)
	if _, err := messaging.Tap(t.Context(), "amqp://guest:guest@127.0.0.1:1/", n); err == nil {
		t.Fatal("got no error")
	}
}
