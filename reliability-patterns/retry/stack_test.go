package retry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/stack"
)

// fastRetries keep the tests quick: three tries, a millisecond or two apart.
var fastRetries = map[string]string{"RETRY_ATTEMPTS": "3", "RETRY_BASE_DELAY": "1ms", "RETRY_MAX_DELAY": "2ms"}

// loseFirstReply delivers the first request to a path with the prefix, then
// throws its answer away and reports a reset connection: the call did its work,
// but the caller cannot know it. That is the failure idempotency is for.
type loseFirstReply struct {
	next   http.RoundTripper
	prefix string
	lost   *atomic.Int64
}

func (l loseFirstReply) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil && strings.HasPrefix(r.URL.Path, l.prefix) && l.lost.CompareAndSwap(0, 1) {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, errors.New("connection reset by peer (the answer was lost by the test)")
	}
	return resp, err
}

// lab is a stack of the variant started for one test.
type lab struct {
	*acceptance.Suite
	warehouse faults.Client
}

// loser is a pattern of the test's own, under the retries: it loses the first
// answer to each path prefix given.
func loser(lose ...string) *app.Pattern {
	return &app.Pattern{Name: "lose-first-reply", Extend: func(app.Scope) (*app.Extension, error) {
		return &app.Extension{Call: func(_ string, next http.RoundTripper) http.RoundTripper {
			for _, prefix := range lose {
				next = loseFirstReply{next: next, prefix: prefix, lost: &atomic.Int64{}}
			}
			return next
		}}, nil
	}}
}

// start runs rest with retries, losing the first answer to each path prefix given.
func start(t *testing.T, lose ...string) *lab {
	t.Helper()
	v := app.MustCompose(rest.Base, Pattern, loser(lose...))
	s, st := acceptance.Start(t, v, acceptance.Options{Stack: stack.Options{Env: fastRetries}})
	return &lab{Suite: s, warehouse: faults.ViaGateway(st.URL, "warehouse")}
}

// retryCounts are ordering's counts of its calls to one callee.
type retryCounts struct{ Calls, Retries, Recovered, Exhausted int }

// retries returns ordering's retry counts of its calls to the named service.
func (l *lab) retries(t *testing.T, name string) retryCounts {
	t.Helper()
	row := l.PatternRow(Pattern.Name, "ordering", name)
	n := func(k string) int { f, _ := row[k].(float64); return int(f) }
	return retryCounts{Calls: n("calls"), Retries: n("retries"), Recovered: n("recovered"), Exhausted: n("exhausted")}
}

func (l *lab) reached(t *testing.T) uint64 {
	t.Helper()
	st, err := l.warehouse.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Requests
}

// TestRetry_reservationTakesStockOnce checks that a reservation whose answer was
// lost is retried, and that the retry takes no more stock: the warehouse answers
// the same item with the reservation it already has.
func TestRetry_reservationTakesStockOnce(t *testing.T) {
	l := start(t, "/internal/reservations")
	p := warehouse.Seed[2]
	stock := l.Product(p.ProductID).Stock
	o := l.CreateOrder(acceptance.SeedCustomerID)
	it := l.AddItem(o.OrderID, p.ProductID, 3)
	if it.Status != domain.ItemReserved {
		t.Fatalf("item: got %s, want RESERVED", it.Status)
	}
	if got := l.Product(p.ProductID).Stock; got != stock-3 {
		t.Errorf("stock after a retried reservation of 3: got %d, want %d", got, stock-3)
	}
	if n := len(l.Reservations(o.OrderID)); n != 1 {
		t.Errorf("reservations of the order: got %d, want 1", n)
	}
	if c := l.retries(t, "warehouse"); c.Retries != 1 || c.Recovered != 1 {
		t.Errorf("retries of calls to the warehouse: got %+v, want 1 retry that recovered", c)
	}
	l.CheckInvariants()
}

// TestRetry_shipmentAndInvoiceOnce checks that a shipment and an invoice whose
// answers were lost are retried without a second shipment or invoice.
func TestRetry_shipmentAndInvoiceOnce(t *testing.T) {
	l := start(t, "/internal/shipments", "/internal/invoices")
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.AddItem(o.OrderID, warehouse.Seed[4].ProductID, 1)
	var done domain.Order
	l.API().Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, &done)
	if done.Status != domain.OrderCompleted {
		t.Errorf("confirm: got %s, want COMPLETED at once", done.Status)
	}
	if s, i := len(l.Shipments(o.OrderID)), len(l.Invoices(o.OrderID)); s != 1 || i != 1 {
		t.Errorf("got %d shipments and %d invoices, want one each", s, i)
	}
	for _, name := range []string{"shipping", "billing"} {
		if c := l.retries(t, name); c.Retries != 1 || c.Recovered != 1 {
			t.Errorf("retries of calls to %s: got %+v, want 1 that recovered", name, c)
		}
	}
	l.CheckInvariants()
}

// TestRetry_onlyTransient checks, through the whole stack, that a 503 of the
// warehouse is tried RETRY_ATTEMPTS times and a 409 once.
func TestRetry_onlyTransient(t *testing.T) {
	l := start(t)
	o := l.CreateOrder(acceptance.SeedCustomerID)
	for _, tc := range []struct {
		status int
		tries  uint64
	}{{http.StatusServiceUnavailable, 3}, {http.StatusConflict, 1}} {
		if _, err := l.warehouse.Set(context.Background(), faults.Settings{ErrorRate: 1, ErrorStatus: tc.status}); err != nil {
			t.Fatal(err)
		}
		before := l.reached(t)
		r := l.API().Do(http.MethodPost, "/api/orders/"+o.OrderID+"/items",
			`{"productId":"`+warehouse.Seed[0].ProductID+`","quantity":1}`, true)
		if r.Status != tc.status {
			t.Errorf("add with the warehouse answering %d: got %d %s", tc.status, r.Status, r.Body)
		}
		if got := l.reached(t) - before; got != tc.tries {
			t.Errorf("warehouse answering %d: %d tries reached it, want %d", tc.status, got, tc.tries)
		}
	}
	if _, err := l.warehouse.Set(context.Background(), faults.Settings{}); err != nil {
		t.Fatal(err)
	}
	l.CheckInvariants()
}

// TestRetry_budgetEndsAHang checks, through the whole stack, that a warehouse
// that hangs costs a client RETRY_BUDGET, not the HTTP client's timeout
// (LAB_HTTP_TIMEOUT, 10 s by default): the add-item is a 504 once the budget is spent.
func TestRetry_budgetEndsAHang(t *testing.T) {
	env := map[string]string{"RETRY_ATTEMPTS": "3", "RETRY_BASE_DELAY": "1ms", "RETRY_MAX_DELAY": "2ms", "RETRY_BUDGET": "300ms"}
	s, st := acceptance.Start(t, app.MustCompose(rest.Base, Pattern), acceptance.Options{Stack: stack.Options{Env: env}})
	wh := faults.ViaGateway(st.URL, "warehouse")
	o := s.CreateOrder(acceptance.SeedCustomerID)
	if _, err := wh.Set(context.Background(), faults.Settings{Down: faults.Hang}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = wh.Set(context.Background(), faults.Settings{}) })
	// The client gives up after 5 s: far beyond the budget, well before LAB_HTTP_TIMEOUT.
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post(st.URL+"/api/orders/"+o.OrderID+"/items", "application/json",
		strings.NewReader(`{"productId":"`+warehouse.Seed[0].ProductID+`","quantity":1}`))
	if err != nil {
		t.Fatalf("add with the warehouse hanging and a budget of 300ms: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("add with the warehouse hanging: got %d %s, want 504", resp.StatusCode, b)
	}
	if _, err := wh.Set(context.Background(), faults.Settings{}); err != nil {
		t.Fatal(err)
	}
	s.CheckInvariants()
}
