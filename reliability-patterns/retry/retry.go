// Retry: a call from one service to another that fails for a reason that may pass (a refused or
// reset connection, a timeout, a 502, 503 or 504) is tried again after an
// exponential backoff with full jitter, a bounded number of times and within a
// time budget, so that a brief glitch of the service called never reaches the
// client. A 4xx is never retried: the same request would fail the
// same way. Repeating a call is safe only because every call ordering makes is
// idempotent: a reservation on its itemId, a shipment and an invoice on the
// orderId, confirm and cancel by their state; a retry whose first try did get
// through changes nothing.

package retry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// retrier is the transport of a service's calls to one callee: it retries the
// transient failures.
type retrier struct {
	next     http.RoundTripper
	settings settings
	callee   string // the service called, for the log
	count    *count // what happened to the calls to callee
	log      *slog.Logger
	random   func() float64                                   // in [0, 1): the jitter
	sleep    func(ctx context.Context, d time.Duration) error // waits, or fails when ctx is done
	now      func() time.Time
}

// count is what happened to the calls to one service.
type count struct {
	Calls     atomic.Uint64 // calls made (each counted once, however many tries)
	Retries   atomic.Uint64 // tries after the first
	Recovered atomic.Uint64 // calls that succeeded after at least one retry
	Exhausted atomic.Uint64 // calls that failed after every try the settings allow
}

func newCount() *count { return &count{} }

func (rt *retrier) RoundTrip(r *http.Request) (*http.Response, error) {
	if !repeatable(r) {
		return rt.next.RoundTrip(r)
	}
	c := rt.count
	c.Calls.Add(1)
	begin := rt.now()
	// The budget bounds the whole call, tries and backoffs included: a try that
	// hangs ends with a timeout when the budget is spent, not only when the HTTP
	// client's own, longer timeout fires.
	ctx, cancel := rt.budget(r.Context())
	for attempt := 1; ; attempt++ {
		resp, err := rt.try(ctx, r, attempt)
		reason := transient(r, resp, err)
		if reason == "" {
			if attempt > 1 && r.Context().Err() == nil {
				c.Recovered.Add(1)
			}
			return release(resp, err, cancel)
		}
		wait := rt.backoff(attempt)
		if attempt == rt.settings.Attempts || ctx.Err() != nil || rt.now().Add(wait).Sub(begin) > rt.settings.Budget {
			c.Exhausted.Add(1)
			return release(resp, err, cancel)
		}
		discard(resp)
		c.Retries.Add(1)
		rt.log.Info("retrying a call", "callee", rt.callee, "path", r.URL.Path, "failed", reason,
			"attempt", attempt+1, "after", wait.Round(time.Millisecond), "request_id", httpx.RequestID(r.Context()))
		if err := rt.sleep(ctx, wait); err != nil {
			cancel()
			if r.Context().Err() == nil { // the budget ran out during the backoff
				c.Exhausted.Add(1)
			}
			return nil, err
		}
	}
}

// budget returns the context of every try of a call: the caller's, with a
// deadline at the end of the budget.
func (rt *retrier) budget(ctx context.Context) (context.Context, context.CancelFunc) {
	if rt.settings.Budget <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, rt.settings.Budget)
}

// try sends the attempt with the budget's context: the first one is the
// request itself, a later one a copy with the body read anew.
func (rt *retrier) try(ctx context.Context, r *http.Request, attempt int) (*http.Response, error) {
	if attempt == 1 {
		return rt.next.RoundTrip(r.WithContext(ctx))
	}
	again := r.Clone(ctx)
	if r.GetBody != nil {
		body, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		again.Body = body
	}
	return rt.next.RoundTrip(again)
}

// release hands the answer of the last try to the caller. The budget's context
// must live while the caller reads the body, so it ends when the body is closed
// (at once when there is no answer).
func release(resp *http.Response, err error, cancel context.CancelFunc) (*http.Response, error) {
	if err != nil || resp == nil {
		cancel()
		return resp, err
	}
	resp.Body = httpx.CancelOnClose(resp.Body, cancel)
	return resp, nil
}

// backoff is the wait before the retry after the attempt: full jitter, a random
// time up to BaseDelay·2^(attempt-1), capped at MaxDelay. The randomness spreads
// the retries of many callers, so that they do not all hit a recovering service
// at the same instant.
func (rt *retrier) backoff(attempt int) time.Duration {
	ceiling := rt.settings.MaxDelay
	if attempt < 32 {
		ceiling = min(ceiling, rt.settings.BaseDelay<<(attempt-1))
	}
	return time.Duration(rt.random() * float64(ceiling))
}

// repeatable reports whether sending r again is safe: it reads (GET, HEAD), or it
// is a service-to-service call (/internal/), which the contract makes idempotent;
// and its body, if any, can be read again.
func repeatable(r *http.Request) bool {
	safe := r.Method == http.MethodGet || r.Method == http.MethodHead ||
		(r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/internal/"))
	return safe && (r.Body == nil || r.Body == http.NoBody || r.GetBody != nil)
}

// transient says why a try failed in a way that may pass, or "" when it did not
// (it succeeded, or failed for good). A call whose caller gave up is over. A try
// ended by the budget is transient, but the budget leaves no room for another.
func transient(r *http.Request, resp *http.Response, err error) string {
	switch {
	case r.Context().Err() != nil:
		return ""
	case err != nil:
		return err.Error()
	case resp.StatusCode == http.StatusBadGateway, resp.StatusCode == http.StatusServiceUnavailable,
		resp.StatusCode == http.StatusGatewayTimeout:
		return resp.Status
	}
	return ""
}

// discard reads and closes the answer of a failed try, so its connection can be reused.
func discard(resp *http.Response) {
	if resp != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
}
