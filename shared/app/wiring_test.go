package app

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// recorder is a pattern whose wrapper records the callee of every call.
type recorder struct {
	mu      sync.Mutex
	callees []string
}

func (r *recorder) pattern(name string) *Pattern {
	return &Pattern{Name: name, Extend: func(s Scope) (*Extension, error) {
		return &Extension{Call: func(callee string, next http.RoundTripper) http.RoundTripper {
			return roundTrip(func(req *http.Request) (*http.Response, error) {
				r.mu.Lock()
				r.callees = append(r.callees, name+">"+callee)
				r.mu.Unlock()
				return next.RoundTrip(req)
			})
		}}, nil
	}}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestDeps_HTTPFor: every call a service makes goes through each pattern's
// wrapper, which learns the callee's name; the first pattern named is the outermost.
func TestDeps_HTTPFor(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"customerId":"11111111-1111-4111-8111-000000000001"}`)
	}))
	defer srv.Close()
	rec := &recorder{}
	v := MustCompose(&Base{Name: "sync"}, rec.pattern("outer"), rec.pattern("inner"))
	exts, err := extend(v, "ordering", func(string) string { return "" }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{Config: config.Service{URLs: config.URLs{Customers: srv.URL, Warehouse: srv.URL, Shipping: srv.URL,
		Billing: srv.URL, Ordering: srv.URL}}, Log: slog.New(slog.DiscardHandler), calls: exts.clients(time.Second, nil)}
	ports, err := SyncOrderingPorts(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ports.Customers.Customer(t.Context(), "11111111-1111-4111-8111-000000000001"); err != nil {
		t.Fatal(err)
	}
	if _, err := ports.Catalog.Product(t.Context(), "22222222-2222-4222-8222-000000000001"); err != nil {
		t.Fatal(err)
	}
	got, want := strings.Join(rec.callees, " "), "outer>customers inner>customers outer>warehouse inner>warehouse"
	if got != want {
		t.Errorf("calls through the wrappers: got %q, want %q", got, want)
	}
	if d.HTTPFor("warehouse") != d.HTTPFor("warehouse") {
		t.Error("HTTPFor made a second client for the same callee")
	}
}

// TestExtend_failure: a pattern that cannot build its extension stops the
// wiring, and the extensions built before it are closed.
func TestExtend_failure(t *testing.T) {
	closed := false
	ok := &Pattern{Name: "ok", Extend: func(Scope) (*Extension, error) {
		return &Extension{Close: func() error { closed = true; return nil }}, nil
	}}
	bad := errors.New("bad settings")
	broken := &Pattern{Name: "broken", Extend: func(Scope) (*Extension, error) { return nil, bad }}
	_, err := extend(MustCompose(&Base{Name: "sync"}, ok, broken), "ordering", func(string) string { return "" }, slog.New(slog.DiscardHandler))
	if !errors.Is(err, bad) {
		t.Errorf("got %v, want %v", err, bad)
	}
	if !closed {
		t.Error("the extension built before the failure was not closed")
	}
}

// TestCompose_refusesShadowedPorts: an asynchronous base takes ordering's ports
// from Async.OrderingPorts; one that sets Base.OrderingPorts too is refused at
// once instead of having one silently ignored.
func TestCompose_refusesShadowedPorts(t *testing.T) {
	ports := func(*Parts) (ordering.Ports, error) { return ordering.Ports{}, nil }
	b := &Base{Name: "async", OrderingPorts: SyncOrderingPorts, Async: &Async{Style: messaging.Thin, OrderingPorts: ports}}
	if _, err := Compose(b); err == nil || !strings.Contains(err.Error(), "Base.OrderingPorts") {
		t.Errorf("got %v, want the shadowed ports named", err)
	}
	b.OrderingPorts = nil
	if _, err := Compose(b); err != nil {
		t.Errorf("without the shadow: %v", err)
	}
}
