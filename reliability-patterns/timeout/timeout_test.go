package timeout

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// hanging is a service that answers only once the client has gone.
func hanging(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, rt http.RoundTripper, ctx context.Context, url string) (*http.Response, error, time.Duration) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	resp, err := rt.RoundTrip(req)
	return resp, err, time.Since(begin)
}

func TestDeadlines_callDeadline(t *testing.T) {
	srv := hanging(t)
	_, err, took := call(t, deadlines{next: http.DefaultTransport, call: 50 * time.Millisecond}, context.Background(), srv.URL)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the call's deadline to pass", err)
	}
	if took > 5*time.Second { // generous: it is 50 ms on an idle machine
		t.Errorf("the call took %s", took)
	}
}

func TestDeadlines_budgetComesFirst(t *testing.T) {
	srv := hanging(t)
	ctx := withBudget(context.Background(), time.Now().Add(50*time.Millisecond))
	_, err, took := call(t, deadlines{next: http.DefaultTransport, call: time.Hour}, ctx, srv.URL)
	if !errors.Is(err, context.DeadlineExceeded) || took > 5*time.Second {
		t.Errorf("got %v after %s, want the budget's end to cut the call", err, took)
	}
}

func TestDeadlines_spentBudgetFailsAtOnce(t *testing.T) {
	srv := hanging(t)
	ctx := withBudget(context.Background(), time.Now().Add(-time.Second))
	if _, err, _ := call(t, deadlines{next: http.DefaultTransport, call: time.Hour}, ctx, srv.URL); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want a call without budget to fail", err)
	}
}

func TestDeadlines_bodyOutlivesTheRoundTrip(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "the whole body")
	}))
	defer srv.Close()
	resp, err, _ := call(t, deadlines{next: http.DefaultTransport, call: time.Minute}, context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "the whole body" {
		t.Errorf("body: got %q, %v", b, err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Error(err)
	}
	if err := resp.Request.Context().Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("the call's context after Close: got %v, want it released", err)
	}
}

func TestBudget_isAValueNotADeadline(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/api/orders", nil)
	budget(time.Second)(c)
	got := c.Request.Context()
	end, ok := budgetOf(got)
	if !ok || time.Until(end) > time.Second || time.Until(end) <= 0 {
		t.Errorf("budget: got %v, %v; want about a second from now", end, ok)
	}
	if _, has := got.Deadline(); has {
		t.Error("the request's context has a deadline: ordering's own writes could be cut short")
	}
}
