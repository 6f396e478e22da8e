package circuitbreaker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// lab is circuit-breaker started for one test, the warehouse's faults at hand.
type lab struct{ *acceptance.Lab }

func start(t *testing.T, env map[string]string) lab {
	t.Helper()
	return lab{acceptance.StartLab(t, Pattern.Name, "warehouse", env)}
}

// addItem adds one of the first product to the order and returns the raw answer.
func (l lab) addItem(orderID string) acceptance.Response {
	return l.TryAddItem(orderID, warehouse.Seed[0].ProductID, 1)
}

// breakerState is ordering's warehouse breaker as /api/lab/patterns shows it.
type breakerState struct {
	State              string
	Failures, Rejected int
	RetryAfterMs       int
}

// state returns the state of ordering's warehouse breaker.
func (l lab) state(t *testing.T) breakerState {
	t.Helper()
	row := l.PatternRow(Pattern.Name, "ordering", "warehouse")
	return breakerState{State: row.Text("state"), Failures: row.Int("failures"), Rejected: row.Int("rejected"), RetryAfterMs: row.Int("retryAfterMs")}
}

// TestBreaker_opensAndFailsFast checks that after BREAKER_FAILURES failures in a
// row the breaker opens, and that calls then fail at once with a 503 whose
// Retry-After is the remaining open time, without reaching the warehouse.
func TestBreaker_opensAndFailsFast(t *testing.T) {
	l := start(t, map[string]string{"BREAKER_FAILURES": "3", "BREAKER_COOLDOWN": "1m"})
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.SetFaults(faults.Settings{ErrorRate: 1})
	before := l.Reached()
	for i := range 3 {
		if r := l.addItem(o.OrderID); r.Status != http.StatusServiceUnavailable {
			t.Fatalf("add %d with the warehouse failing: got %d %s, want 503", i, r.Status, r.Body)
		}
	}
	if got := l.Reached() - before; got != 3 {
		t.Errorf("calls that reached the warehouse while closed: got %d, want 3", got)
	}
	if got := l.state(t); got.State != "open" || got.Failures != 3 {
		t.Fatalf("breaker after 3 failures: got %+v, want open after 3 failures", got)
	}

	// Failing fast is checked by counts, not by timing (the machine may be
	// loaded): no call reaches the warehouse, and the breaker rejected each one.
	before = l.Reached()
	for range 5 {
		r := l.addItem(o.OrderID)
		retry, _ := strconv.Atoi(r.Header.Get("Retry-After"))
		if r.Status != http.StatusServiceUnavailable || retry < 30 || retry > 60 {
			t.Errorf("add with the breaker open: got %d, Retry-After %q; want 503 with the remaining minute", r.Status, r.Header.Get("Retry-After"))
		}
	}
	if got := l.Reached() - before; got != 0 {
		t.Errorf("calls that reached the warehouse while open: got %d, want 0", got)
	}
	if st := l.state(t); st.Rejected != 5 || st.RetryAfterMs < 30_000 || st.Failures != 3 {
		t.Errorf("breaker state: got %+v, want 5 rejected, the 3 failures that opened it and about a minute to wait", st)
	}
	if got := len(l.Order(o.OrderID).Items); got != 0 {
		t.Errorf("items after failed adds: got %d, want none", got)
	}
	l.SetFaults(faults.Settings{})
	l.CheckInvariants()
}

// TestBreaker_halfOpen checks the recovery: after the cool-down one trial call
// goes through; a failure opens the breaker again, a success closes it.
func TestBreaker_halfOpen(t *testing.T) {
	// The cool-down is long enough that no state check below can miss an open breaker on a slow machine.
	l := start(t, map[string]string{"BREAKER_FAILURES": "2", "BREAKER_COOLDOWN": "1s"})
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.SetFaults(faults.Settings{ErrorRate: 1})
	l.addItem(o.OrderID)
	l.addItem(o.OrderID)
	l.waitState(t, "half-open")

	before := l.Reached()
	if r := l.addItem(o.OrderID); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("trial call with the warehouse failing: got %d, want 503", r.Status)
	}
	if got := l.Reached() - before; got != 1 {
		t.Errorf("trial calls that reached the warehouse: got %d, want 1", got)
	}
	if got := l.state(t).State; got != "open" {
		t.Errorf("breaker after a failed trial: got %s, want open", got)
	}

	l.SetFaults(faults.Settings{})
	l.waitState(t, "half-open")
	if it := l.AddItem(o.OrderID, warehouse.Seed[0].ProductID, 1); it.Status != domain.ItemReserved {
		t.Errorf("item added through the half-open breaker: got %s, want RESERVED", it.Status)
	}
	if got := l.state(t).State; got != "closed" {
		t.Errorf("breaker after a successful trial: got %s, want closed", got)
	}
	l.CheckInvariants()
}

// TestBreaker_clientErrorsAreNoFailures checks that 4xx answers, which say the
// request was wrong and not the service, never open the breaker.
func TestBreaker_clientErrorsAreNoFailures(t *testing.T) {
	l := start(t, map[string]string{"BREAKER_FAILURES": "2", "BREAKER_COOLDOWN": "1m"})
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.SetFaults(faults.Settings{ErrorRate: 1, ErrorStatus: http.StatusConflict})
	for range 4 {
		if r := l.addItem(o.OrderID); r.Status != http.StatusConflict {
			t.Fatalf("add with the warehouse answering 409: got %d %s, want 409", r.Status, r.Body)
		}
	}
	if got := l.state(t).State; got != "closed" {
		t.Errorf("breaker after four 409s: got %s, want closed", got)
	}
}

func (l lab) waitState(t *testing.T, want string) {
	t.Helper()
	acceptance.Eventually(t, 10*time.Second, "the warehouse breaker to be "+want, func() bool {
		return l.state(t).State == want
	})
}

// waitForTheCaller is a service that answers only when the call's context ends,
// with its error, as a transport does.
var waitForTheCaller = httpx.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
})

// TestBreaker_cancelledCallsAreNoFailures checks that calls whose caller gave up
// (context.Canceled) do not open the breaker of a service that is fine, while
// calls that ran out of time (a deadline, as the HTTP client's timeout) do.
func TestBreaker_cancelledCallsAreNoFailures(t *testing.T) {
	s := settings{Failures: 3, Cooldown: time.Minute, Trials: 1}
	b := newBreaker("warehouse", s, slog.New(slog.DiscardHandler))
	for i := range 10 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://warehouse/api/products", nil)
		if _, err := b.call(waitForTheCaller, req); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled call %d: got %v, want the caller's cancellation", i, err)
		}
	}
	if st, n := b.cb.State().String(), b.cb.Counts().ConsecutiveFailures; st != "closed" || n != 0 {
		t.Fatalf("breaker after 10 cancelled calls: got %s with %d failures, want closed with 0", st, n)
	}
	for range 3 {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://warehouse/api/products", nil)
		_, _ = b.call(waitForTheCaller, req)
		cancel()
	}
	if st := b.cb.State().String(); st != "open" {
		t.Errorf("breaker after 3 calls that timed out: got %s, want open", st)
	}
}

// TestBreaker_cancelledTrialIsNoSuccess checks that a half-open breaker does not
// close on a trial call that its caller cancelled: that call proved nothing.
func TestBreaker_cancelledTrialIsNoSuccess(t *testing.T) {
	s := settings{Failures: 1, Cooldown: 50 * time.Millisecond, Trials: 1}
	b := newBreaker("warehouse", s, slog.New(slog.DiscardHandler))
	failing := httpx.RoundTripperFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Body: io.NopCloser(strings.NewReader(""))}, nil
	})
	resp, _ := b.call(failing, httptest.NewRequest(http.MethodGet, "http://warehouse/api/products", nil))
	resp.Body.Close()
	acceptance.Eventually(t, 10*time.Second, "the breaker to be half-open", func() bool {
		return b.cb.State().String() == "half-open"
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _ = b.call(waitForTheCaller, httptest.NewRequestWithContext(ctx, http.MethodGet, "http://warehouse/api/products", nil))
	if st := b.cb.State().String(); st == "closed" {
		t.Errorf("breaker after a cancelled trial: got %s, want it not closed", st)
	}
}
