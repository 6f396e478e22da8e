package main

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/asynctest"
)

// TestVariant runs the acceptance suite against the variant started in this
// process, with fresh SQLite databases and broker names of its own on the
// RabbitMQ at AMQP_URL.
func TestVariant(t *testing.T) {
	asynctest.Acceptance(t, variant)
}

// TestVariant_postgres runs the acceptance suite with every service on PostgreSQL.
func TestVariant_postgres(t *testing.T) {
	asynctest.AcceptancePostgres(t, variant)
}

// TestFaults puts the variant through the broker's failures and checks the
// contract's invariants after each.
func TestFaults(t *testing.T) {
	asynctest.Faults(t, variant)
}

// BenchmarkFlow measures the whole order flow through the gateway, from the
// order's creation until it is COMPLETED.
func BenchmarkFlow(b *testing.B) {
	asynctest.Benchmark(b, variant)
}

// BenchmarkLatency measures the whole order flow at the lowest load: one order
// at a time.
func BenchmarkLatency(b *testing.B) {
	asynctest.Latency(b, variant)
}
