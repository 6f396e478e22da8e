package main

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
)

// TestVariant runs the acceptance suite against the variant started in this
// process, on loopback ports, with fresh SQLite databases.
func TestVariant(t *testing.T) {
	acceptance.RunInProcess(t, variant, acceptance.Options{})
}

// BenchmarkFlow measures the whole order flow through the gateway.
func BenchmarkFlow(b *testing.B) {
	acceptance.BenchmarkFlow(b, variant, app.StackOptions{})
}
