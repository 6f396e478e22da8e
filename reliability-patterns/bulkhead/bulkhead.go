// Bulkhead: a service may have only so many calls in flight to each other
// service at once, each callee in a compartment of its own. When shipping is slow, the
// confirmations waiting for it fill shipping's compartment and the next ones fail
// fast with a 503, instead of piling up until they hold every worker, connection
// and goroutine that the reservations at the warehouse need too.

package bulkhead

import (
	"net/http"
	"sync/atomic"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// compartment bounds the calls in flight to one service.
type compartment struct {
	name     string
	slots    chan struct{} // one token per call in flight
	rejected atomic.Uint64
}

// call sends r through next when the compartment has a free slot, and otherwise
// fails at once: waiting for a slot would be queueing behind the slow calls.
func (c *compartment) call(next http.RoundTripper, r *http.Request) (*http.Response, error) {
	select {
	case c.slots <- struct{}{}:
	default:
		httpx.CloseRequestBody(r)
		c.rejected.Add(1)
		return nil, domain.Errorf(domain.CodeUnavailable, "bulkhead for %s is full: %d calls are in flight, the call was not made", c.name, cap(c.slots))
	}
	// The slot is freed when the answer's head has come: the wait for a slow
	// service is over then, and the body that follows is short.
	defer func() { <-c.slots }()
	return next.RoundTrip(r)
}

// compartments are the compartments of one service's calls, one per callee.
type compartments struct {
	sizes settings
	app.PerCallee[*compartment]
}

// partition is the extension's wrapper of the calls to callee: each goes
// through that callee's compartment.
func (cs *compartments) partition(callee string, next http.RoundTripper) http.RoundTripper {
	c := cs.Of(callee, func() *compartment {
		return &compartment{name: callee, slots: make(chan struct{}, cs.sizes.of(callee))}
	})
	return httpx.RoundTripperFunc(func(r *http.Request) (*http.Response, error) { return c.call(next, r) })
}

// state reports every compartment: its size, the calls in flight, and those it failed fast.
func (cs *compartments) state() app.Table {
	return cs.Table([]string{"limit", "inFlight", "rejected"}, func(c *compartment) []any {
		return []any{cap(c.slots), len(c.slots), c.rejected.Load()}
	})
}
