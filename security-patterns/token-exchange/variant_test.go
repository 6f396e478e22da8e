package tokenexchange

import (
	"testing"

	_ "github.com/microservice-patterns/lab/communication-patterns"
	"github.com/microservice-patterns/lab/shared/asynctest"
)

// TestVariant runs the acceptance suite on every base the pattern is tested on.
func TestVariant(t *testing.T) { asynctest.Tested(t, Pattern) }
