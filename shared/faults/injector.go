package faults

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// Injector holds the faults of one service and counts what they do. It is safe
// for concurrent use.
type Injector struct {
	service string
	log     *slog.Logger
	random  func() float64 // in [0, 1): draws the jitter, then whether a request fails
	sleep   func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	settings Settings
	changed  chan struct{} // closed when the settings change: hung requests go on then

	requests, injected, delayed atomic.Uint64
}

// Option changes an Injector; tests use them to make it deterministic.
type Option func(*Injector)

// WithRandom draws the injector's random numbers from f, which answers in [0, 1).
func WithRandom(f func() float64) Option { return func(in *Injector) { in.random = f } }

// WithSleep makes the injector wait with f instead of a timer; f returns an
// error when ctx is done first.
func WithSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(in *Injector) { in.sleep = f }
}

// WithLogger logs every change of the settings to log.
func WithLogger(log *slog.Logger) Option { return func(in *Injector) { in.log = log } }

// New returns the injector of the named service, with the settings in force.
func New(service string, s Settings, opts ...Option) (*Injector, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("faults of %s: %w", service, err)
	}
	in := &Injector{service: service, random: rand.Float64, sleep: httpx.Sleep, settings: s, changed: make(chan struct{})}
	for _, o := range opts {
		o(in)
	}
	return in, nil
}

// Set puts new settings in force; requests that hang go on.
func (in *Injector) Set(s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	in.mu.Lock()
	in.settings = s
	close(in.changed)
	in.changed = make(chan struct{})
	in.mu.Unlock()
	if in.log != nil {
		in.log.Warn("faults changed", "faults", s.String())
	}
	return nil
}

// Status returns the settings in force and the counters.
func (in *Injector) Status() Status {
	s, _ := in.current()
	return Status{Settings: s, Requests: in.requests.Load(), Injected: in.injected.Load(), Delayed: in.delayed.Load()}
}

// WaitUp returns once the service is not down (at once when it is up), or
// with ctx's error when ctx ends first. A service's event consumer calls it
// before each event, so that a service that is down handles no event either:
// its messages wait in its queue, as they would for a stopped process.
func (in *Injector) WaitUp(ctx context.Context) error {
	for {
		s, changed := in.current()
		if s.Down == Up {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// current returns the settings and the channel that is closed when they change.
func (in *Injector) current() (Settings, <-chan struct{}) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.settings, in.changed
}

// delay is how long a request waits: the latency plus a random share of the jitter.
func (in *Injector) delay(s Settings) time.Duration {
	ms := float64(s.LatencyMs)
	if s.LatencyJitterMs > 0 {
		ms += in.random() * float64(s.LatencyJitterMs)
	}
	return time.Duration(ms * float64(time.Millisecond))
}

// fails draws whether a request fails.
func (in *Injector) fails(s Settings) bool {
	return s.ErrorRate > 0 && in.random() < s.ErrorRate
}
