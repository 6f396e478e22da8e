package rest

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
	"github.com/microservice-patterns/lab/shared/stack"
)

// TestVariant runs the acceptance suite against the base started in this
// process, on SQLite and with every service on PostgreSQL.
func TestVariant(t *testing.T) { asynctest.Suite(t, app.MustCompose(Base)) }

// BenchmarkFlow measures the whole order flow through the gateway.
func BenchmarkFlow(b *testing.B) {
	acceptance.BenchmarkFlow(b, app.MustCompose(Base), stack.Options{})
}
