package timeout

import (
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// timedAdd adds one of the first product to the order and returns the answer
// and how long it took.
func timedAdd(l *acceptance.Lab, orderID string) (acceptance.Response, time.Duration) {
	begin := time.Now()
	r := l.TryAddItem(orderID, warehouse.Seed[0].ProductID, 1)
	return r, time.Since(begin)
}

// TestTimeout_hangingWarehouse checks that a warehouse that never answers costs
// a client one call's deadline and a 504 problem, and changes nothing.
func TestTimeout_hangingWarehouse(t *testing.T) {
	l := acceptance.StartLab(t, Pattern.Name, "warehouse", map[string]string{"TIMEOUT_CALL": "200ms", "TIMEOUT_REQUEST": "10s"})
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.SetFaults(faults.Settings{Down: faults.Hang})
	r, took := timedAdd(l, o.OrderID)
	if r.Status != http.StatusGatewayTimeout || r.Header.Get("Content-Type") != httpx.ProblemContentType {
		t.Fatalf("add with the warehouse hanging: got %d %s, want a 504 problem", r.Status, r.Body)
	}
	if took > 5*time.Second { // generous: 200 ms on an idle machine, against 10 s without the pattern
		t.Errorf("the 504 took %s", took)
	}
	l.SetFaults(faults.Settings{})
	if got := len(l.Order(o.OrderID).Items); got != 0 {
		t.Errorf("items after a timed-out add: got %d, want none", got)
	}
	l.CheckInvariants()
}

// TestTimeout_budgetSpansTheCalls checks that the calls of one request share its
// budget: three confirmations of 600 ms each fit their deadline of 1 s one by
// one, not a budget of 1.5 s together. Confirm answers 504, the order stays
// CONFIRMED, and confirming again once the warehouse is fast completes it.
func TestTimeout_budgetSpansTheCalls(t *testing.T) {
	l := acceptance.StartLab(t, Pattern.Name, "warehouse", map[string]string{"TIMEOUT_CALL": "1s", "TIMEOUT_REQUEST": "1500ms"})
	o := l.CreateOrder(acceptance.SeedCustomerID)
	for _, p := range warehouse.Seed[:3] {
		l.AddItem(o.OrderID, p.ProductID, 1)
	}
	l.SetFaults(faults.Settings{LatencyMs: 600})
	r := l.TryConfirm(o.OrderID)
	if r.Status != http.StatusGatewayTimeout {
		t.Fatalf("confirm with 3 × 600 ms in a budget of 1.5 s: got %d %s, want 504", r.Status, r.Body)
	}
	l.SetFaults(faults.Settings{})
	if got := l.Order(o.OrderID).Status; got != domain.OrderConfirmed {
		t.Errorf("order after the budget ran out: got %s, want CONFIRMED", got)
	}
	// Confirm resumes where it stopped; on a machine too busy for the budget it may take more than one go.
	acceptance.Eventually(t, 10*time.Second, "confirm again to complete the order", func() bool {
		r := l.API().Do(http.MethodPost, "/api/orders/"+o.OrderID+"/confirm", "", false)
		return r.Status == http.StatusOK && l.Order(o.OrderID).Status == domain.OrderCompleted
	})
	l.CheckInvariants()
}

// TestTimeout_noGoroutineLeaks checks that calls cut by their deadline leave
// nothing running once the stack has stopped: no goroutine waits for an answer
// that nobody reads.
func TestTimeout_noGoroutineLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	l := acceptance.StartLab(t, Pattern.Name, "warehouse", map[string]string{"TIMEOUT_CALL": "100ms"})
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.SetFaults(faults.Settings{Down: faults.Hang})
	for range 5 {
		if r, _ := timedAdd(l, o.OrderID); r.Status != http.StatusGatewayTimeout {
			t.Fatalf("got %d, want 504", r.Status)
		}
	}
	l.Stop()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	goleak.VerifyNone(t, ignore)
}
