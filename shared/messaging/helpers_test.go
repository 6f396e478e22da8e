package messaging_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// probe is the service name of the queue the tests read with a plain AMQP client.
const probe = "probe"

// brokerURL returns the test broker's URL; the test skips (or fails under
// CI=true) when the broker cannot be reached.
func brokerURL(tb testing.TB) string {
	tb.Helper()
	u := testenv.Config().AMQPURL
	conn, err := amqp.DialConfig(u, amqp.Config{Dial: amqp.DefaultDial(3 * time.Second)})
	if err == nil {
		conn.Close()
	}
	testenv.Require(tb, "RabbitMQ at "+hostOf(u), err)
	return u
}

// newNames returns names of a fresh run, whose exchange and the queues of
// services are deleted when the test ends.
func newNames(tb testing.TB, brokerURL string, services ...string) messaging.Names {
	tb.Helper()
	n, err := messaging.NewNames("test", "run-"+randomHex(6))
	must(tb, err)
	tb.Cleanup(func() { teardown(tb, brokerURL, n, services...) })
	return n
}

// teardown deletes the run's names and asserts that none is left on the broker.
func teardown(tb testing.TB, brokerURL string, n messaging.Names, services ...string) {
	tb.Helper()
	if err := messaging.Teardown(brokerURL, n, services...); err != nil {
		tb.Errorf("teardown: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if left, err := messaging.Existing(ctx, brokerURL, n, services...); err != nil || len(left) > 0 {
		tb.Errorf("after the teardown the broker still has %v (%v)", left, err)
	}
}

// forEachDB runs suite against a fresh service database of every dialect.
func forEachDB(t *testing.T, suite func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			suite(t, openDB(t, dialect))
		})
	}
}

// openDB opens a fresh billing database of the dialect, with the messaging
// tables and a table of effects that the tests' handlers write.
func openDB(tb testing.TB, dialect store.Dialect) *store.DB {
	tb.Helper()
	dbURL, path := "", filepath.Join(tb.TempDir(), "billing.db")
	if dialect == store.Postgres {
		dbURL = newSchema(tb)
	}
	db, err := store.OpenService(tb.Context(), "billing", dbURL, path)
	must(tb, err)
	tb.Cleanup(func() { db.Close() })
	must(tb, messaging.Migrate(tb.Context(), db))
	_, err = db.SQL.ExecContext(tb.Context(),
		`CREATE TABLE effects (n BIGINT NOT NULL, event_id TEXT NOT NULL, subject TEXT NOT NULL, k BIGINT NOT NULL)`)
	must(tb, err)
	return db
}

// newSchema returns the URL of a fresh PostgreSQL schema of the test's own.
func newSchema(tb testing.TB) string { return testenv.PostgresSchema(tb) }

// run starts fn in a goroutine and, when the test ends, cancels its context and
// waits for it to return.
func run(tb testing.TB, fn func(ctx context.Context) error) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := fn(ctx); err != nil {
			tb.Errorf("run: %v", err)
		}
	})
	tb.Cleanup(func() {
		cancel()
		wg.Wait()
	})
}

// startRelay runs a relay of db's outbox for the test.
func startRelay(tb testing.TB, ob *messaging.Outbox, brokerURL string, n messaging.Names) *messaging.Relay {
	tb.Helper()
	r := messaging.NewRelay(ob, brokerURL, n, messaging.RelayConfig{
		Logger: testLogger(tb), Reconnect: messaging.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond},
	})
	run(tb, r.Run)
	return r
}

// startConsumer runs a consumer for the test and waits until it consumes.
func startConsumer(tb testing.TB, brokerURL string, n messaging.Names, service string, db *store.DB,
	h messaging.Handlers, cfg messaging.ConsumerConfig) *messaging.Consumer {
	tb.Helper()
	cfg.Logger = testLogger(tb)
	if cfg.Reconnect == (messaging.Backoff{}) {
		cfg.Reconnect = messaging.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	}
	c, err := messaging.NewConsumer(brokerURL, n, service, db, h, cfg)
	must(tb, err)
	run(tb, c.Run)
	select {
	case <-c.Ready():
	case <-time.After(10 * time.Second):
		tb.Fatal("the consumer did not start")
	}
	return c
}

// testLogger logs warnings and errors into the test's output.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// rawChannel opens a plain AMQP channel for the test to look at the broker with.
func rawChannel(tb testing.TB, brokerURL string) *amqp.Channel {
	tb.Helper()
	conn, err := amqp.Dial(brokerURL)
	must(tb, err)
	tb.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	must(tb, err)
	return ch
}

// getMessage waits for the next message of queue.
func getMessage(tb testing.TB, ch *amqp.Channel, queue string) amqp.Delivery {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		d, ok, err := ch.Get(queue, true)
		must(tb, err)
		if ok {
			return d
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("no message in %s", queue)
	return amqp.Delivery{}
}

// eventually polls cond until it holds, failing the test after 20 s.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func hostOf(connString string) string {
	if u, err := url.Parse(connString); err == nil && u.Host != "" {
		return u.Host
	}
	return "the configured address"
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("unexpected error: %v", err)
	}
}
