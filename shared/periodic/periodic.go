// Package periodic runs a repair at once and then every interval, in the
// background, until stopped: the one loop of the services that repair what a
// crash or a client that gave up left half-done.
package periodic

import (
	"context"
	"sync"
	"time"
)

// Start runs pass at once and then every interval until the returned stop is
// called; stop cancels pass's context and waits for a pass under way. An
// interval of 0 or less starts nothing.
func Start(interval time.Duration, pass func(ctx context.Context)) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			pass(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}
