package main

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestVariant runs the acceptance suite against the variant started in this
// process, on loopback ports, with fresh SQLite databases.
func TestVariant(t *testing.T) {
	acceptance.RunInProcess(t, variant, acceptance.Options{})
}

// TestVariant_postgres runs the acceptance suite with every service on PostgreSQL,
// each in a schema of its own.
func TestVariant_postgres(t *testing.T) {
	urls := map[string]string{}
	for _, svc := range config.Services {
		urls[svc] = testenv.PostgresSchema(t)
	}
	acceptance.RunInProcess(t, variant, acceptance.Options{Stack: app.StackOptions{DatabaseURLs: urls}})
}

// BenchmarkFlow measures the whole order flow through the gateway.
func BenchmarkFlow(b *testing.B) {
	acceptance.BenchmarkFlow(b, variant, app.StackOptions{})
}
