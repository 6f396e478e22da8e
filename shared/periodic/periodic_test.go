package periodic

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestStart: a pass runs at once and again on the interval; stop waits for
// the pass under way and none runs after it; an interval of 0 runs nothing.
func TestStart(t *testing.T) {
	var passes atomic.Int32
	started := make(chan struct{}, 16)
	stop := Start(time.Millisecond, func(ctx context.Context) {
		passes.Add(1)
		started <- struct{}{}
	})
	<-started
	<-started // a second pass: the interval repeats it
	stop()
	after := passes.Load()
	time.Sleep(20 * time.Millisecond)
	if got := passes.Load(); got != after || got < 2 {
		t.Errorf("passes: %d at stop, %d later; want at least 2 and none after stop", after, got)
	}
	none := Start(0, func(context.Context) { t.Error("an interval of 0 ran a pass") })
	none()
}
