package retry

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
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

// lab is retry started for one test, the warehouse's faults at hand.
type lab struct{ *acceptance.Lab }

// start runs retry, losing the first answer to each path prefix given.
func start(t *testing.T, lose ...string) lab {
	t.Helper()
	return lab{acceptance.StartLab(t, Pattern.Name, "warehouse", fastRetries, loser(lose...))}
}

// retryCounts are ordering's counts of its calls to one callee.
type retryCounts struct{ Calls, Retries, Recovered, Exhausted int }

// retries returns ordering's retry counts of its calls to the named service.
func (l lab) retries(name string) retryCounts {
	row := l.PatternRow(Pattern.Name, "ordering", name)
	return retryCounts{Calls: row.Int("calls"), Retries: row.Int("retries"), Recovered: row.Int("recovered"), Exhausted: row.Int("exhausted")}
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
	if c := l.retries("warehouse"); c.Retries != 1 || c.Recovered != 1 {
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
		if c := l.retries(name); c.Retries != 1 || c.Recovered != 1 {
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
		l.SetFaults(faults.Settings{ErrorRate: 1, ErrorStatus: tc.status})
		before := l.Reached()
		r := l.TryAddItem(o.OrderID, warehouse.Seed[0].ProductID, 1)
		if r.Status != tc.status {
			t.Errorf("add with the warehouse answering %d: got %d %s", tc.status, r.Status, r.Body)
		}
		if got := l.Reached() - before; got != tc.tries {
			t.Errorf("warehouse answering %d: %d tries reached it, want %d", tc.status, got, tc.tries)
		}
	}
	l.SetFaults(faults.Settings{})
	l.CheckInvariants()
}

// TestRetry_budgetEndsAHang checks, through the whole stack, that a warehouse
// that hangs costs a client RETRY_BUDGET, not the HTTP client's timeout
// (LAB_HTTP_TIMEOUT, 10 s by default): the add-item is a 504 once the budget is spent.
func TestRetry_budgetEndsAHang(t *testing.T) {
	env := map[string]string{"RETRY_ATTEMPTS": "3", "RETRY_BASE_DELAY": "1ms", "RETRY_MAX_DELAY": "2ms", "RETRY_BUDGET": "300ms"}
	l := acceptance.StartLab(t, Pattern.Name, "warehouse", env)
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.SetFaults(faults.Settings{Down: faults.Hang})
	// The client gives up after 5 s: far beyond the budget, well before LAB_HTTP_TIMEOUT.
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post(l.Stack.URL+"/api/orders/"+o.OrderID+"/items", "application/json",
		strings.NewReader(`{"productId":"`+warehouse.Seed[0].ProductID+`","quantity":1}`))
	if err != nil {
		t.Fatalf("add with the warehouse hanging and a budget of 300ms: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("add with the warehouse hanging: got %d %s, want 504", resp.StatusCode, b)
	}
	l.SetFaults(faults.Settings{})
	l.CheckInvariants()
}
