package messaging_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

// TestRelay_twoRelaysOnOneOutbox: two instances of a service share one
// PostgreSQL outbox and each runs its relay, as replicas do. While both write
// events, every row goes out exactly once, and the events of each subject in
// the order they were written.
func TestRelay_twoRelaysOnOneOutbox(t *testing.T) {
	url := brokerURL(t)
	schema := newSchema(t)
	open := func() *store.DB {
		db, err := store.OpenService(t.Context(), "billing", schema, filepath.Join(t.TempDir(), "unused.db"))
		must(t, err)
		t.Cleanup(func() { db.Close() })
		must(t, messaging.Migrate(t.Context(), db))
		return db
	}
	dbs := []*store.DB{open(), open()}
	n := newNames(t, url, probe)
	must(t, messaging.Declare(url, n, probe, []string{messaging.OrderCreated}))
	var obs []*messaging.Outbox
	for _, db := range dbs {
		ob := messaging.NewOutbox(db)
		obs = append(obs, ob)
		// A small batch makes the two relays take turns many times.
		r := messaging.NewRelay(ob, url, n, messaging.RelayConfig{Batch: 7, Poll: 20 * time.Millisecond, Logger: testLogger(t),
			Reconnect: messaging.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}})
		run(t, r.Run)
		eventually(t, "the relay connects", r.Connected)
	}
	const perInstance = 150
	var wg sync.WaitGroup
	for i, ob := range obs {
		wg.Go(func() {
			for k := range perInstance {
				if err := ob.Publish(t.Context(), newStep(t, messaging.OrderCreated, fmt.Sprintf("order-%d", i), k)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	eventually(t, "every row is marked sent", func() bool { return backlog(t, obs[0]) == 0 })

	ch := rawChannel(t, url)
	seen := map[string]int{}
	next := map[string]int{}
	for range 2 * perInstance {
		d := getMessage(t, ch, n.Queue(probe))
		ev, err := messaging.ParseEvent(d.Body)
		must(t, err)
		seen[ev.ID]++
		var data struct{ K int }
		must(t, json.Unmarshal(ev.Data, &data))
		if data.K != next[ev.Subject] {
			t.Errorf("%s: got step %d, want %d: the events of a subject went out of order", ev.Subject, data.K, next[ev.Subject])
		}
		next[ev.Subject] = data.K + 1
	}
	for id, times := range seen {
		if times != 1 {
			t.Errorf("event %s published %d times", id, times)
		}
	}
	if len(seen) != 2*perInstance {
		t.Errorf("got %d distinct events, want %d", len(seen), 2*perInstance)
	}
	if q, err := ch.QueueDeclarePassive(n.Queue(probe), true, false, false, false, nil); err != nil || q.Messages != 0 {
		t.Errorf("got %d more messages (%v), want none: a row was published twice", q.Messages, err)
	}
}
