package messaging_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a test leaves a goroutine behind: a stopped relay,
// consumer or tap must leave nothing running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
