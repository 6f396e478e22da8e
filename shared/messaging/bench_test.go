package messaging_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

// benchWindow is the publish window of both throughput benchmarks: messages
// published before waiting for their confirms (the relay's default Batch).
const benchWindow = 100

// BenchmarkRelay measures how fast a relay drains a backlog of b.N outbox rows
// to a durable queue: read, publish persistent, wait for the confirms, mark sent.
// Compare ns/op with BenchmarkRawPublish.
func BenchmarkRelay(b *testing.B) {
	url := brokerURL(b)
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			db := openDB(b, dialect)
			n := newNames(b, url, probe)
			must(b, messaging.Declare(url, n, probe, []string{messaging.OrderItemAdded}))
			ob := messaging.NewOutbox(db)
			r := messaging.NewRelay(ob, url, n, messaging.RelayConfig{Batch: benchWindow, Poll: time.Hour,
				Logger: testLogger(b)})
			run(b, r.Run)
			for !r.Connected() {
				time.Sleep(time.Millisecond)
			}
			fillOutbox(b, db, b.N)
			b.ResetTimer()
			ob.Notify()
			for !drained(b, db) {
				time.Sleep(2 * time.Millisecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// drained reports whether every outbox row is sent; unlike Backlog it stops
// at the first unsent row, so polling it costs the relay little.
func drained(b *testing.B, db *store.DB) bool {
	var n int
	must(b, db.SQL.QueryRowContext(b.Context(), `SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT 1) AS t`).Scan(&n))
	return n == 0
}

// fillOutbox adds count events, in transactions of 500, without nudging the relay.
func fillOutbox(b *testing.B, db *store.DB, count int) {
	for done := 0; done < count; {
		chunk := min(500, count-done)
		must(b, db.InTx(b.Context(), func(ctx context.Context) error {
			for i := range chunk {
				ev := newStep(b, messaging.OrderItemAdded, fmt.Sprintf("order-%d", (done+i)%10), done+i)
				if err := messaging.AddToOutbox(ctx, db, ev); err != nil {
					return err
				}
			}
			return nil
		}))
		done += chunk
	}
}

// BenchmarkRawPublish is the baseline: amqp091 publishing the same persistent
// CloudEvents body to the same kind of queue with confirms, benchWindow at a time.
func BenchmarkRawPublish(b *testing.B) {
	url := brokerURL(b)
	n := newNames(b, url, probe)
	must(b, messaging.Declare(url, n, probe, []string{messaging.OrderItemAdded}))
	ch := rawChannel(b, url)
	must(b, ch.Confirm(false))
	body, err := newStep(b, messaging.OrderItemAdded, "order-1", 1).Marshal()
	must(b, err)
	b.ResetTimer()
	confirms := make([]*amqp.DeferredConfirmation, 0, benchWindow)
	for sent := 0; sent < b.N; {
		confirms = confirms[:0]
		for i := 0; i < benchWindow && sent < b.N; i++ {
			dc, err := ch.PublishWithDeferredConfirmWithContext(b.Context(), n.Exchange(), messaging.OrderItemAdded,
				false, false, amqp.Publishing{ContentType: messaging.ContentType, DeliveryMode: amqp.Persistent,
					MessageId: fmt.Sprint(sent), Type: messaging.OrderItemAdded, Timestamp: time.Now(), Body: body})
			must(b, err)
			confirms = append(confirms, dc)
			sent++
		}
		for _, dc := range confirms {
			if !dc.Wait() {
				b.Fatal("the broker refused a message")
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkHop measures one hop of a choreography at low load: a handler's
// transaction publishes through the outbox, the relay is nudged at commit, and
// the next service's consumer runs its handler. ns/op is the hop's latency.
func BenchmarkHop(b *testing.B) {
	url := brokerURL(b)
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			db := openDB(b, dialect)
			n := newNames(b, url, service)
			ob := messaging.NewOutbox(db)
			arrived := make(chan struct{}, 1)
			startConsumer(b, url, n, service, db, messaging.Handlers{messaging.OrderShipped: func(context.Context, messaging.Event) error {
				arrived <- struct{}{}
				return nil
			}}, messaging.ConsumerConfig{Outbox: ob})
			r := startRelay(b, ob, url, n)
			for !r.Connected() {
				time.Sleep(time.Millisecond)
			}
			b.ResetTimer()
			for i := range b.N {
				ev := newStep(b, messaging.OrderShipped, "order-1", i)
				must(b, ob.InTx(b.Context(), func(ctx context.Context) error { return ob.Publish(ctx, ev) }))
				<-arrived
			}
		})
	}
}
