package rest

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// cutOff fails every call whose path starts with prefix while down is set, as a
// service that cannot be reached would.
type cutOff struct {
	next   http.RoundTripper
	prefix string
	down   *atomic.Bool
}

func (c cutOff) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.down.Load() && strings.HasPrefix(r.URL.Path, c.prefix) {
		return nil, errors.New("connection refused (cut off by the test)")
	}
	return c.next.RoundTrip(r)
}

// withCutOff is rest with a test's pattern that cuts off the calls to prefix,
// through the seam every pattern uses.
func withCutOff(prefix string, down *atomic.Bool) app.Variant {
	return app.MustCompose(Base, &app.Pattern{Name: "cut-off", Extend: func(app.Scope) (*app.Extension, error) {
		return &app.Extension{Call: func(_ string, next http.RoundTripper) http.RoundTripper {
			return cutOff{next: next, prefix: prefix, down: down}
		}}, nil
	}})
}

// TestConfirm_billingDown checks the documented partial failure: with billing
// unreachable after shipping succeeded, confirm answers 503, the order stays
// SHIPPED with its one shipment, and confirming again once billing is back
// completes it with exactly one invoice.
func TestConfirm_billingDown(t *testing.T) {
	var down atomic.Bool
	s, _ := acceptance.Start(t, withCutOff("/internal/invoices", &down), acceptance.Options{})
	o := s.CreateOrder(acceptance.SeedCustomerID)
	s.AddItem(o.OrderID, warehouse.Seed[3].ProductID, 2)

	down.Store(true)
	r := s.TryConfirm(o.OrderID)
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("confirm with billing down: got %d (Retry-After %q) %s, want 503 with Retry-After", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if got := s.Order(o.OrderID).Status; got != domain.OrderShipped {
		t.Errorf("order after billing failed: got %s, want SHIPPED", got)
	}
	if n := len(s.Shipments(o.OrderID)); n != 1 {
		t.Errorf("shipments: got %d, want 1", n)
	}
	if n := len(s.Invoices(o.OrderID)); n != 0 {
		t.Errorf("invoices while billing is down: got %d, want 0", n)
	}

	down.Store(false)
	var done domain.Order
	s.API().Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, &done)
	if done.Status != domain.OrderCompleted {
		t.Errorf("confirm again: got %s, want COMPLETED", done.Status)
	}
	s.CheckInvariants()
}

// TestAddItem_warehouseDown checks that a failed reservation changes nothing:
// the answer is 503 and the order has no item.
func TestAddItem_warehouseDown(t *testing.T) {
	down := &atomic.Bool{}
	s, _ := acceptance.Start(t, withCutOff("/internal/reservations", down), acceptance.Options{})
	o := s.CreateOrder(acceptance.SeedCustomerID)
	down.Store(true)
	s.AddFails(o.OrderID, warehouse.Seed[0].ProductID, http.StatusServiceUnavailable)
	down.Store(false)
	s.AddItem(o.OrderID, warehouse.Seed[0].ProductID, 1)
	s.CheckInvariants()
}
