package app_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

type countingTransport struct {
	next  http.RoundTripper
	calls *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	return c.next.RoundTrip(r)
}

// TestSyncOrderingPortsVia: every call ordering makes goes through the wrapped
// transport, and a wrapper that cannot be built stops the wiring.
func TestSyncOrderingPortsVia(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"customerId":"11111111-1111-4111-8111-000000000001"}`)
	}))
	defer srv.Close()
	d := app.Deps{Config: config.Service{URLs: config.URLs{Customers: srv.URL, Warehouse: srv.URL, Shipping: srv.URL,
		Billing: srv.URL, Ordering: srv.URL}}, Log: slog.New(slog.DiscardHandler), HTTP: &http.Client{Transport: http.DefaultTransport}}
	var calls atomic.Int64
	ports, err := app.SyncOrderingPortsVia(func(_ app.Deps, next http.RoundTripper) (http.RoundTripper, error) {
		return countingTransport{next: next, calls: &calls}, nil
	})(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ports.Customers.Customer(t.Context(), "11111111-1111-4111-8111-000000000001"); err != nil {
		t.Fatal(err)
	}
	if _, err := ports.Catalog.Product(t.Context(), "22222222-2222-4222-8222-000000000001"); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("calls through the wrapper: got %d, want 2", got)
	}
	bad := errors.New("bad settings")
	if _, err := app.SyncOrderingPortsVia(func(app.Deps, http.RoundTripper) (http.RoundTripper, error) { return nil, bad })(d); !errors.Is(err, bad) {
		t.Errorf("a wrapper that fails: got %v, want %v", err, bad)
	}
}
