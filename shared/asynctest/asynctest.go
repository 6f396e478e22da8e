// Package asynctest runs the asynchronous variants in tests against the real
// broker: each run gets broker names of its own (a run id) that are deleted
// when the test ends, a missing broker skips the test on a laptop and fails it
// under CI=true, and Faults puts a variant through the broker's failures.
package asynctest

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/stack"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// Broker returns the test broker's URL (AMQP_URL); the test skips, or fails
// under CI=true, when no broker answers there.
func Broker(tb testing.TB) string {
	tb.Helper()
	u := testenv.Config().AMQPURL
	conn, err := amqp.DialConfig(u, amqp.Config{Dial: amqp.DefaultDial(3 * time.Second)})
	if err == nil {
		conn.Close()
	}
	host := "the configured address"
	if p, perr := url.Parse(u); perr == nil && p.Host != "" {
		host = p.Host
	}
	testenv.Require(tb, "RabbitMQ at "+host, err)
	return u
}

// Run is one test run of a variant on the broker.
type Run struct {
	ID      string          // the run id, part of every broker name
	URL     string          // the broker's URL
	Names   messaging.Names // the run's broker names
	Options stack.Options
}

// NewRun prepares a run of v on the broker at brokerURL: fresh data, a run id
// of its own, and the run's exchange and queues deleted when the test ends
// (after the stack stops: cleanups run last first), which the test then checks.
func NewRun(tb testing.TB, v app.Variant, brokerURL string) *Run {
	tb.Helper()
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	id := "t" + hex.EncodeToString(b)
	names, err := messaging.NewNames(v.Name, id)
	if err != nil {
		tb.Fatal(err)
	}
	topology, err := v.Base.Async.Topology()
	if err != nil {
		tb.Fatal(err)
	}
	services := make([]string, 0, len(topology))
	for s := range topology {
		services = append(services, s)
	}
	tb.Cleanup(func() { teardown(tb, brokerURL, names, services) })
	return &Run{ID: id, URL: brokerURL, Names: names, Options: stack.Options{
		DataDir: tb.TempDir(),
		Env:     map[string]string{"LAB_RUN_ID": id, "AMQP_URL": brokerURL},
	}}
}

// Benchmark measures the whole order flow of v (acceptance.BenchmarkFlow) on a
// run of its own on the test broker.
func Benchmark(b *testing.B, v app.Variant) {
	acceptance.BenchmarkFlow(b, v, options(b, v))
}

// Latency measures the whole order flow of v one order at a time
// (acceptance.BenchmarkLatency) on a run of its own on the test broker.
func Latency(b *testing.B, v app.Variant) {
	acceptance.BenchmarkLatency(b, v, options(b, v))
}
