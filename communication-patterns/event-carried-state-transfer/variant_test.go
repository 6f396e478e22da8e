package eventcarriedstatetransfer

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
)

// TestVariant runs the acceptance suite against the base started in this
// process, on SQLite and on PostgreSQL, with broker names of its own on the
// RabbitMQ at AMQP_URL, and puts it through the broker's failures.
func TestVariant(t *testing.T) { asynctest.Suite(t, app.MustCompose(Base)) }

// BenchmarkFlow measures the whole order flow through the gateway, from the
// order's creation until it is COMPLETED.
func BenchmarkFlow(b *testing.B) { asynctest.Benchmark(b, app.MustCompose(Base)) }

// BenchmarkLatency measures the whole order flow at the lowest load: one order at a time.
func BenchmarkLatency(b *testing.B) { asynctest.Latency(b, app.MustCompose(Base)) }
