package bulkhead

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

func TestCompartment_failsFastWhenFull(t *testing.T) {
	release := make(chan struct{})
	var arrived atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		<-release
	}))
	defer srv.Close()
	c := &compartment{name: "shipping", slots: make(chan struct{}, 2)}
	get := func() (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		return c.call(http.DefaultTransport, req)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if resp, err := get(); err == nil {
				resp.Body.Close()
			}
		})
	}
	for arrived.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	_, err := get()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeUnavailable {
		t.Errorf("third call with two in flight: got %v, want an unavailable error", err)
	}
	if n := arrived.Load(); n != 2 || c.rejected.Load() != 1 {
		t.Errorf("got %d calls at the service and %d rejected, want 2 and 1", n, c.rejected.Load())
	}
	close(release)
	wg.Wait()
	resp, err := get()
	if err != nil {
		t.Fatalf("call once the slots are free: %v", err)
	}
	resp.Body.Close()
}

// lab is bulkhead started for one test, shipping's faults at hand.
type lab struct{ *acceptance.Lab }

// compartmentState is one of ordering's compartments as /api/lab/patterns shows it.
type compartmentState struct{ Limit, InFlight, Rejected int }

func (l lab) bulkhead(name string) compartmentState {
	row := l.PatternRow(Pattern.Name, "ordering", name)
	return compartmentState{Limit: row.Int("limit"), InFlight: row.Int("inFlight"), Rejected: row.Int("rejected")}
}

// order returns an OPEN order with one reserved item.
func (l lab) order(p domain.Product) string {
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.AddItem(o.OrderID, p.ProductID, 1)
	return o.OrderID
}

// TestBulkhead_slowShippingLeavesReservationsAlone checks that with shipping
// hanging, the confirmations fill shipping's bulkhead and the next one fails
// fast without reaching shipping, while items are still reserved at the warehouse.
func TestBulkhead_slowShippingLeavesReservationsAlone(t *testing.T) {
	l := lab{acceptance.StartLab(t, Pattern.Name, "shipping", map[string]string{"BULKHEAD_SHIPPING": "2"})}
	ids := []string{l.order(warehouse.Seed[0]), l.order(warehouse.Seed[1]), l.order(warehouse.Seed[2])}
	l.SetFaults(faults.Settings{Down: faults.Hang})
	before := l.Reached()
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, id := range ids[:2] {
		wg.Go(func() { statuses[i] = confirm(l.Stack.URL, id) })
	}
	// Both confirmations hold a slot and both have reached shipping: a slot is
	// taken a moment before shipping counts the request, so wait for both.
	acceptance.Eventually(t, 10*time.Second, "two confirmations to wait for shipping", func() bool {
		return l.bulkhead("shipping").InFlight == 2 && l.Reached()-before == 2
	})

	r := l.TryConfirm(ids[2])
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Errorf("third confirm with shipping's bulkhead full: got %d %s, want 503 with Retry-After", r.Status, r.Body)
	}
	if got := l.Reached() - before; got != 2 {
		t.Errorf("the rejected confirm reached shipping: %d requests, want 2", got)
	}
	if it := l.AddItem(l.CreateOrder(acceptance.SeedCustomerID).OrderID, warehouse.Seed[3].ProductID, 1); it.Status != domain.ItemReserved {
		t.Errorf("reservation while shipping hangs: got %s, want RESERVED", it.Status)
	}

	l.SetFaults(faults.Settings{})
	wg.Wait()
	if statuses[0] != http.StatusOK || statuses[1] != http.StatusOK {
		t.Errorf("the two waiting confirmations once shipping is back: got %v, want 200 each", statuses)
	}
	if b := l.bulkhead("shipping"); b.InFlight != 0 || b.Rejected != 1 {
		t.Errorf("shipping's bulkhead at the end: got %+v, want none in flight and 1 rejected", b)
	}
	l.API().Post("/api/orders/"+ids[2]+"/confirm", nil, http.StatusOK, nil)
	l.CheckInvariants()
}

// confirm confirms an order and answers the status, or 0 when no answer came.
func confirm(base, orderID string) int {
	resp, err := http.Post(base+"/api/orders/"+orderID+"/confirm", "application/json", nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
