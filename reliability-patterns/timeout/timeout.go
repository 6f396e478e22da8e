// Timeout: every call a service makes to another has a deadline, and all the
// calls one request makes share a budget that the request's context carries.
// A warehouse that is slow, or hangs, then costs a client at most the budget and a
// 504 problem, instead of holding the request (and ordering's goroutine, socket
// and memory for it) for as long as the warehouse takes.

package timeout

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/httpx"
)

type budgetKey struct{}

// withBudget returns ctx carrying end: the instant by which the calls made for it must be done.
func withBudget(ctx context.Context, end time.Time) context.Context {
	return context.WithValue(ctx, budgetKey{}, end)
}

// budgetOf returns the end of the budget that ctx carries.
func budgetOf(ctx context.Context) (time.Time, bool) {
	end, ok := ctx.Value(budgetKey{}).(time.Time)
	return end, ok
}

// budget starts the budget of each request a service serves. The budget is a
// value of the context, not its deadline: it bounds the calls to other
// services, and never cuts ordering's own database writes short, so a request
// that ran out of time leaves no half-written order behind.
func budget(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request = c.Request.WithContext(withBudget(c.Request.Context(), time.Now().Add(d)))
		c.Next()
	}
}

// deadlines is the transport of a service's calls to one callee: each call
// ends at its own deadline or at the end of its request's budget, whichever
// comes first. A call that passes it fails with context.DeadlineExceeded, which
// the clients report as a timeout: the client of ordering gets a 504.
type deadlines struct {
	next  http.RoundTripper
	call  time.Duration
	count *count // nil: not counted
}

// count is what happened to the calls to one callee.
type count struct {
	calls    atomic.Uint64
	timedOut atomic.Uint64 // calls this deadline, or the budget, cut short
}

func (d deadlines) RoundTrip(r *http.Request) (*http.Response, error) {
	end := time.Now().Add(d.call)
	if b, ok := budgetOf(r.Context()); ok && b.Before(end) {
		end = b
	}
	ctx, cancel := context.WithDeadline(r.Context(), end)
	if d.count != nil {
		d.count.calls.Add(1)
	}
	resp, err := d.next.RoundTrip(r.WithContext(ctx))
	if err != nil {
		if d.count != nil && r.Context().Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			d.count.timedOut.Add(1)
		}
		cancel()
		return nil, err
	}
	// The deadline covers reading the body too; it is released once the body is closed.
	resp.Body = httpx.CancelOnClose(resp.Body, cancel)
	return resp, nil
}
