// Circuit breaker: when the warehouse, shipping or billing keeps failing, ordering
// stops calling it for a cool-down and answers 503 with Retry-After at once,
// instead of making every client wait for a service that is down while piling
// more load onto it. After the cool-down the breaker is half-open: a trial call
// goes through; a success closes the breaker, a failure opens it again.

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/sony/gobreaker/v2"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/domain"
)

// guarded are the services whose calls go through a breaker.
var guarded = []string{"warehouse", "shipping", "billing"}

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
	openedAt atomic.Int64 // when it last opened, in Unix nanoseconds
	rejected atomic.Uint64
}

func newBreaker(name string, s config.Breaker, log *slog.Logger) *breaker {
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
		return resp, nil
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		if r.Body != nil {
			r.Body.Close() // a RoundTripper closes the body, even when it sends nothing
		}
		b.rejected.Add(1)
		return nil, &domain.Error{Code: domain.CodeUnavailable, Err: err, RetryAfter: b.remaining(),
			Message: fmt.Sprintf("circuit breaker for %s is %s: the call was not made", b.name, b.cb.State())}
	}
	return resp, err
}

// remaining is how long the breaker stays open; 0 once it is half-open.
func (b *breaker) remaining() time.Duration {
	return max(0, b.cooldown-time.Since(time.Unix(0, b.openedAt.Load())))
}

// guard is the transport of ordering's calls: each call to a guarded service
// goes through that service's breaker, other calls go straight through.
type guard struct {
	next   http.RoundTripper
	byHost map[string]*breaker
}

func (g guard) RoundTrip(r *http.Request) (*http.Response, error) {
	if b := g.byHost[r.URL.Host]; b != nil {
		return b.call(g.next, r)
	}
	return g.next.RoundTrip(r)
}

// breakers are the breakers of one ordering service, for /admin/breakers.
type breakers struct {
	mu  sync.Mutex
	all []*breaker
}

// guard returns hc with a breaker on the calls to each guarded service.
func (bs *breakers) guard(next http.RoundTripper, urls config.URLs, s config.Breaker, log *slog.Logger) http.RoundTripper {
	g := guard{next: next, byHost: map[string]*breaker{}}
	hosts := urls.Hosts()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, name := range guarded {
		b := newBreaker(name, s, log)
		bs.all = append(bs.all, b)
		for host, service := range hosts {
			if service == name {
				g.byHost[host] = b
			}
		}
	}
	return g
}

// BreakerState is one entry of GET /admin/breakers.
type BreakerState struct {
	Service             string `json:"service"`
	Name                string `json:"name"`
	State               string `json:"state"` // closed, open or half-open
	ConsecutiveFailures uint32 `json:"consecutiveFailures"`
	Rejected            uint64 `json:"rejected"`          // calls failed fast since the start
	RetryAfterSeconds   int    `json:"retryAfterSeconds"` // until half-open, while open
}

// list answers GET /admin/breakers: the state of every breaker.
func (bs *breakers) list(c *gin.Context) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	out := []BreakerState{}
	for _, b := range bs.all {
		st := BreakerState{Service: "ordering", Name: b.name, State: b.cb.State().String(),
			ConsecutiveFailures: b.cb.Counts().ConsecutiveFailures, Rejected: b.rejected.Load()}
		if b.cb.State() == gobreaker.StateOpen {
			st.RetryAfterSeconds = int(math.Ceil(b.remaining().Seconds()))
		}
		out = append(out, st)
	}
	c.JSON(http.StatusOK, out)
}
