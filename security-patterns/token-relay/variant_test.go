package tokenrelay

import (
	"testing"

	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
	"github.com/microservice-patterns/lab/shared/stack"
)

// TestVariant runs the acceptance suite on every base the pattern is tested on.
func TestVariant(t *testing.T) { asynctest.Tested(t, Pattern) }

// BenchmarkFlow measures the whole order flow of rest plus the pattern through the gateway.
func BenchmarkFlow(b *testing.B) {
	acceptance.BenchmarkFlow(b, app.MustCompose(rest.Base, Pattern), stack.Options{})
}
