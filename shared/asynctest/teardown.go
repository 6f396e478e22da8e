package asynctest

import (
	"context"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/messaging"
)

// teardown deletes a finished run's broker names and fails the test when any
// is left behind. A failed test keeps its dead-letter queues that hold
// messages (they show what went wrong) and names them in the log; the broker
// drops them when their expiry passes.
func teardown(tb testing.TB, url string, names messaging.Names, services []string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kept, err := messaging.TeardownRun(ctx, url, names, services, tb.Failed())
	if err != nil {
		tb.Errorf("tear the run's broker names down: %v", err)
	}
	for _, k := range kept {
		tb.Logf("kept %s: %d dead letters (bin/lab broker shows it, bin/lab broker clean -dead-letters removes it)", k.Name, k.Messages)
	}
	if len(kept) > 0 {
		return
	}
	left, err := messaging.Existing(ctx, url, names, services...)
	if err != nil {
		tb.Errorf("check the run's broker names: %v", err)
	}
	if len(left) > 0 {
		tb.Errorf("the finished run left on the broker: %v", left)
	}
}
