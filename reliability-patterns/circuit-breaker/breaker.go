// Circuit breaker: when a service keeps failing, its callers stop calling it
// for a cool-down and answer 503 with Retry-After at once,
// instead of making every client wait for a service that is down while piling
// more load onto it. After the cool-down the breaker is half-open: a trial call
// goes through; a success closes the breaker, a failure opens it again.

package circuitbreaker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// errFailed marks an answer that counts as a failure (a 5xx) but still goes back to the caller.
var errFailed = errors.New("the service answered with a server error")

// callerGone marks a call that ended because its own caller cancelled it (a
// client, or the gateway, gave up): it says nothing about the service's health.
type callerGone struct{ err error }

func (g callerGone) Error() string { return g.err.Error() }
func (g callerGone) Unwrap() error { return g.err }

// successful is the breaker's verdict on the error of a call: no error, or a call
// its caller cancelled while the breaker was closed, is no failure.
func successful(err error) bool {
	var gone callerGone
	return err == nil || errors.As(err, &gone)
}

// breaker is the circuit breaker of the calls to one service.
type breaker struct {
	name     string
	cb       *gobreaker.CircuitBreaker[*http.Response]
	cooldown time.Duration
	openedAt atomic.Int64  // when it last opened, in Unix nanoseconds
	failures atomic.Uint32 // consecutive failures: kept while open, unlike gobreaker's counts
	rejected atomic.Uint64
}

func newBreaker(name string, s settings, log *slog.Logger) *breaker {
	b := &breaker{name: name, cooldown: s.Cooldown}
	b.cb = gobreaker.NewCircuitBreaker[*http.Response](gobreaker.Settings{
		Name:         name,
		MaxRequests:  s.Trials,
		Timeout:      s.Cooldown,
		ReadyToTrip:  func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= s.Failures },
		IsSuccessful: successful,
		OnStateChange: func(name string, from, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				b.openedAt.Store(time.Now().UnixNano())
			}
			log.Warn("circuit breaker changed state", "breaker", name, "from", from.String(), "to", to.String())
		},
	})
	return b
}

// call sends r through next when the breaker lets it, and otherwise fails at
// once with a 503 that says how long the breaker stays open. A transport error
// or a 5xx answer counts as a failure; any other answer as a success.
//
// A call whose caller cancelled it (context.Canceled: a client or the gateway
// gave up) is not held against the service while the breaker is closed: many
// impatient callers must not open the breaker of a healthy service. A deadline
// that passed (the HTTP client's timeout) still counts: a hanging service is a
// failing one. A cancelled trial call of a half-open breaker does count as a
// failure: it proved nothing, and counting it as a success would close the
// breaker on no evidence; the breaker stays open one more cool-down instead.
func (b *breaker) call(next http.RoundTripper, r *http.Request) (*http.Response, error) {
	closed := b.cb.State() == gobreaker.StateClosed
	resp, err := b.cb.Execute(func() (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if err != nil && closed && errors.Is(r.Context().Err(), context.Canceled) {
			return resp, callerGone{err}
		}
		if err == nil && resp.StatusCode >= http.StatusInternalServerError {
			return resp, errFailed
		}
		return resp, err
	})
	var gone callerGone
	switch {
	case errors.As(err, &gone):
		return resp, gone.err
	case errors.Is(err, errFailed):
		b.failures.Add(1)
		return resp, nil
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		httpx.CloseRequestBody(r)
		b.rejected.Add(1)
		return nil, &domain.Error{Code: domain.CodeUnavailable, Err: err, RetryAfter: b.remaining(),
			Message: fmt.Sprintf("circuit breaker for %s is %s: the call was not made", b.name, b.cb.State())}
	case err != nil:
		b.failures.Add(1)
	default:
		b.failures.Store(0)
	}
	return resp, err
}

// remaining is how long the breaker stays open; 0 once it is half-open.
func (b *breaker) remaining() time.Duration {
	return max(0, b.cooldown-time.Since(time.Unix(0, b.openedAt.Load())))
}

// breakers are the breakers of one service's calls, one per callee.
type breakers struct {
	settings settings
	log      *slog.Logger
	app.PerCallee[*breaker]
}

// guard is the extension's wrapper of the calls to callee: each goes through
// that callee's breaker.
func (bs *breakers) guard(callee string, next http.RoundTripper) http.RoundTripper {
	b := bs.Of(callee, func() *breaker { return newBreaker(callee, bs.settings, bs.log) })
	return httpx.RoundTripperFunc(func(r *http.Request) (*http.Response, error) { return b.call(next, r) })
}

// state reports every breaker: its state, the consecutive failures (those that
// opened it, while it is open), the calls it failed fast, and how long it stays open.
func (bs *breakers) state() app.Table {
	return bs.Table([]string{"state", "failures", "rejected", "retryAfterMs"}, func(b *breaker) []any {
		var wait int64
		if b.cb.State() == gobreaker.StateOpen {
			wait = int64(math.Ceil(float64(b.remaining()) / float64(time.Millisecond)))
		}
		return []any{b.cb.State().String(), b.failures.Load(), b.rejected.Load(), wait}
	})
}
