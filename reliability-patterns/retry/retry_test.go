package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// script is a downstream service that answers the statuses in turn (then 200)
// and records the bodies it was sent.
type script struct {
	mu       sync.Mutex
	statuses []int
	bodies   []string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies = append(s.bodies, string(b))
	status := http.StatusOK
	if len(s.bodies) <= len(s.statuses) {
		status = s.statuses[len(s.bodies)-1]
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"try":%d}`, len(s.bodies))
}

// clock is a fake time that moves only when the retrier sleeps.
type clock struct {
	now   time.Time
	slept []time.Duration
}

func (c *clock) sleep(_ context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

// newRetrier returns a retrier in front of next with a fixed jitter of half the
// backoff and a fake clock.
func newRetrier(next http.RoundTripper, s settings) (*retrier, *clock) {
	c := &clock{now: time.Unix(0, 0)}
	return &retrier{next: next, settings: s, count: &count{},
		log: slog.New(slog.DiscardHandler), random: func() float64 { return 0.5 },
		sleep: c.sleep, now: func() time.Time { return c.now }}, c
}

var fastSettings = settings{Attempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, Budget: 10 * time.Second}

func send(t *testing.T, rt http.RoundTripper, method, url, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestRetrier_recoversFromTransientFailures(t *testing.T) {
	down := &script{statuses: []int{503, 502}}
	srv := httptest.NewServer(down)
	defer srv.Close()
	rt, clk := newRetrier(http.DefaultTransport, fastSettings)
	resp := send(t, rt, http.MethodPost, srv.URL+"/internal/reservations", `{"itemId":"a"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d, want 200 at the third try", resp.StatusCode)
	}
	if want := []string{`{"itemId":"a"}`, `{"itemId":"a"}`, `{"itemId":"a"}`}; !slices.Equal(down.bodies, want) {
		t.Errorf("bodies sent: got %q, want the same body every try", down.bodies)
	}
	// Full jitter with a draw of 0.5: half of 100 ms, then half of 200 ms.
	if want := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}; !slices.Equal(clk.slept, want) {
		t.Errorf("backoffs: got %v, want %v", clk.slept, want)
	}
	c := rt.count
	if c.Calls.Load() != 1 || c.Retries.Load() != 2 || c.Recovered.Load() != 1 || c.Exhausted.Load() != 0 {
		t.Errorf("counts: got %d calls, %d retries, %d recovered, %d exhausted; want 1, 2, 1, 0",
			c.Calls.Load(), c.Retries.Load(), c.Recovered.Load(), c.Exhausted.Load())
	}
}

func TestRetrier_givesUpAfterTheAttempts(t *testing.T) {
	down := &script{statuses: []int{504, 504, 504, 504}}
	srv := httptest.NewServer(down)
	defer srv.Close()
	rt, _ := newRetrier(http.DefaultTransport, fastSettings)
	resp := send(t, rt, http.MethodGet, srv.URL+"/api/products/x", "")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusGatewayTimeout || string(body) != `{"try":3}` {
		t.Errorf("got %d %s, want the third try's 504 with its body", resp.StatusCode, body)
	}
	if n := len(down.bodies); n != 3 {
		t.Errorf("tries: got %d, want 3", n)
	}
	if n := rt.count.Exhausted.Load(); n != 1 {
		t.Errorf("exhausted: got %d, want 1", n)
	}
}

func TestRetrier_neverRetries(t *testing.T) {
	for name, tc := range map[string]struct {
		method, path string
		status       int
	}{
		"a 4xx":                       {http.MethodPost, "/internal/reservations", http.StatusConflict},
		"a 500 (a bug, not a glitch)": {http.MethodGet, "/api/products/x", http.StatusInternalServerError},
		"a POST outside /internal/":   {http.MethodPost, "/api/orders", http.StatusServiceUnavailable},
		"a DELETE, which is no POST":  {http.MethodDelete, "/internal/reservations/x", http.StatusServiceUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			down := &script{statuses: []int{tc.status, tc.status}}
			srv := httptest.NewServer(down)
			defer srv.Close()
			rt, _ := newRetrier(http.DefaultTransport, fastSettings)
			if resp := send(t, rt, tc.method, srv.URL+tc.path, "{}"); resp.StatusCode != tc.status {
				t.Errorf("got %d, want %d", resp.StatusCode, tc.status)
			}
			if n := len(down.bodies); n != 1 {
				t.Errorf("tries: got %d, want 1", n)
			}
		})
	}
}

func TestRetrier_staysWithinTheBudget(t *testing.T) {
	down := &script{statuses: []int{503, 503, 503}}
	srv := httptest.NewServer(down)
	defer srv.Close()
	// Backoffs of 0.5 s, then 1 s: the second would end past the budget of 1.2 s.
	rt, clk := newRetrier(http.DefaultTransport, settings{Attempts: 5, BaseDelay: time.Second, MaxDelay: 2 * time.Second, Budget: 1200 * time.Millisecond})
	if resp := send(t, rt, http.MethodGet, srv.URL+"/api/products/x", ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("got %d, want the last 503", resp.StatusCode)
	}
	if n := len(down.bodies); n != 2 {
		t.Errorf("tries: got %d, want 2", n)
	}
	if want := []time.Duration{500 * time.Millisecond}; !slices.Equal(clk.slept, want) {
		t.Errorf("backoffs: got %v, want %v", clk.slept, want)
	}
}

// flaky fails the first n round trips with a connection error.
type flaky struct {
	next http.RoundTripper
	n    int
}

func (f *flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.n > 0 {
		f.n--
		return nil, errors.New("connection reset by peer")
	}
	return f.next.RoundTrip(r)
}

func TestRetrier_retriesConnectionErrors(t *testing.T) {
	srv := httptest.NewServer(&script{})
	defer srv.Close()
	rt, _ := newRetrier(&flaky{next: http.DefaultTransport, n: 2}, fastSettings)
	if resp := send(t, rt, http.MethodGet, srv.URL+"/api/customers/x", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("got %d, want 200 after two connection errors", resp.StatusCode)
	}
}

func TestRetrier_stopsWhenTheCallerGivesUp(t *testing.T) {
	srv := httptest.NewServer(&script{statuses: []int{503, 503, 503}})
	defer srv.Close()
	rt, _ := newRetrier(http.DefaultTransport, fastSettings)
	ctx, cancel := context.WithCancel(context.Background())
	rt.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/products/x", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want the caller's cancellation", err)
	}
}

func TestBackoff_isCapped(t *testing.T) {
	rt, _ := newRetrier(nil, settings{BaseDelay: time.Second, MaxDelay: 3 * time.Second})
	rt.random = func() float64 { return 1 }
	var got []time.Duration
	for attempt := 1; attempt <= 4; attempt++ {
		got = append(got, rt.backoff(attempt))
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("ceilings: got %v, want %v", got, want)
	}
	if d := rt.backoff(100); d != 3*time.Second {
		t.Errorf("backoff after many attempts: got %v, want the cap", d)
	}
}

// hanging is a downstream service that takes every request and never answers
// until its test ends or the caller gives up.
func hanging(t *testing.T) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}

// TestRetrier_budgetEndsAHangingTry checks that the budget bounds a try that
// hangs, not only the backoffs between tries: with no HTTP client timeout at
// all, the call ends with a timeout once the budget is spent.
func TestRetrier_budgetEndsAHangingTry(t *testing.T) {
	srv := hanging(t)
	rt := &retrier{next: http.DefaultTransport, count: &count{},
		settings: settings{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, Budget: 200 * time.Millisecond},
		log:      slog.New(slog.DiscardHandler), random: func() float64 { return 0.5 }, sleep: httpx.Sleep, now: time.Now}
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/products/x", nil)
		resp, err := rt.RoundTrip(req)
		done <- result{resp, err}
	}()
	var got result
	select {
	case got = <-done:
	case <-time.After(10 * time.Second): // 50 times the budget: only a call the budget does not end gets here
		t.Fatal("a hanging try outlived the budget of 200ms by 10s")
	}
	if got.err == nil {
		got.resp.Body.Close()
		t.Fatalf("got %d, want a timeout", got.resp.StatusCode)
	}
	if !errors.Is(got.err, context.DeadlineExceeded) {
		t.Errorf("got %v, want a deadline exceeded (a 504 for ordering's client)", got.err)
	}
	if n := rt.count.Exhausted.Load(); n != 1 {
		t.Errorf("exhausted: got %d, want 1", n)
	}
}

// TestRetrier_bodyOutlivesTheCall checks that the answer's body can be read
// after RoundTrip returns: the budget's context ends only when it is closed.
func TestRetrier_bodyOutlivesTheCall(t *testing.T) {
	srv := httptest.NewServer(&script{})
	defer srv.Close()
	rt, _ := newRetrier(http.DefaultTransport, fastSettings)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/products/x", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != `{"try":1}` {
		t.Errorf("body: got %q, %v; want the answer", b, err)
	}
}
