package grpc

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/microservice-patterns/lab/reliability-patterns/retry"
	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/stack"
)

// loseFirstAnswer is a test's pattern: the first call to method is made, and
// then its answer is lost, as a connection reset after the callee's work.
func loseFirstAnswer(method string) *app.Pattern {
	return &app.Pattern{Name: "lose-first-answer", Extend: func(app.Scope) (*app.Extension, error) {
		var lost atomic.Bool
		return &app.Extension{Call: func(_ string, next http.RoundTripper) http.RoundTripper {
			return httpx.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
				resp, err := next.RoundTrip(r)
				if err == nil && strings.HasSuffix(r.URL.Path, method) && lost.CompareAndSwap(false, true) {
					resp.Body.Close()
					return nil, errors.New("connection reset by peer (the answer was lost by the test)")
				}
				return resp, err
			})
		}}, nil
	}}
}

// TestRetry_onGRPC: in grpc+retry a gRPC call whose answer was lost is made
// again through the retry pattern, and the idempotent Reserve takes the stock
// once: the pattern wraps gRPC calls as it wraps rest's.
func TestRetry_onGRPC(t *testing.T) {
	v := app.MustCompose(Base, retry.Pattern, loseFirstAnswer("/lab.v1.Warehouse/Reserve"))
	env := map[string]string{"RETRY_ATTEMPTS": "3", "RETRY_BASE_DELAY": "1ms", "RETRY_MAX_DELAY": "2ms"}
	s, _ := acceptance.Start(t, v, acceptance.Options{Stack: stack.Options{Env: env}})
	p := warehouse.Seed[2]
	stock := s.Product(p.ProductID).Stock
	o := s.CreateOrder(acceptance.SeedCustomerID)
	if it := s.AddItem(o.OrderID, p.ProductID, 3); it.Status != domain.ItemReserved {
		t.Fatalf("item: got %s, want RESERVED", it.Status)
	}
	if got := s.Product(p.ProductID).Stock; got != stock-3 {
		t.Errorf("stock after a retried reservation of 3: got %d, want %d", got, stock-3)
	}
	if n := len(s.Reservations(o.OrderID)); n != 1 {
		t.Errorf("reservations: got %d, want 1", n)
	}
	row := s.PatternRow(retry.Pattern.Name, "ordering", "warehouse")
	if retries, _ := row["retries"].(float64); retries != 1 {
		t.Errorf("ordering's retries of its calls to the warehouse: got %v, want 1", row)
	}
	s.CheckInvariants()
}
