package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// lab is a stack of the variant started for one test, with what the tests use.
type lab struct {
	*acceptance.Suite
	url       string
	warehouse faults.Client
}

func start(t *testing.T, env map[string]string) *lab {
	t.Helper()
	s, st := acceptance.Start(t, newVariant(func(k string) string { return env[k] }), acceptance.Options{})
	l := &lab{Suite: s, url: st.URL, warehouse: faults.ViaGateway(st.URL, "warehouse")}
	t.Cleanup(func() { // before the stack stops: no request may hang past the test
		_, _ = l.warehouse.Set(context.Background(), faults.Settings{})
	})
	return l
}

// addItem adds one of the first product to the order and returns the raw answer.
func (l *lab) addItem(orderID string) acceptance.Response {
	return l.API().Do(http.MethodPost, "/api/orders/"+orderID+"/items",
		`{"productId":"`+warehouse.Seed[0].ProductID+`","quantity":1}`, true)
}

func (l *lab) setFaults(t *testing.T, s faults.Settings) {
	t.Helper()
	if _, err := l.warehouse.Set(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

// reached is how many requests have reached the warehouse so far.
func (l *lab) reached(t *testing.T) uint64 {
	t.Helper()
	st, err := l.warehouse.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Requests
}

// state returns the warehouse breaker's entry of /api/lab/breakers.
func (l *lab) state(t *testing.T) BreakerState {
	t.Helper()
	var all []BreakerState
	l.API().Get("/api/lab/breakers", &all)
	for _, b := range all {
		if b.Name == "warehouse" {
			return b
		}
	}
	t.Fatalf("no warehouse breaker in %+v", all)
	return BreakerState{}
}

// TestBreaker_opensAndFailsFast checks that after BREAKER_FAILURES failures in a
// row the breaker opens, and that calls then fail at once with a 503 whose
// Retry-After is the remaining open time, without reaching the warehouse.
func TestBreaker_opensAndFailsFast(t *testing.T) {
	l := start(t, map[string]string{"BREAKER_FAILURES": "3", "BREAKER_COOLDOWN": "1m"})
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.setFaults(t, faults.Settings{ErrorRate: 1})
	before := l.reached(t)
	for i := range 3 {
		if r := l.addItem(o.OrderID); r.Status != http.StatusServiceUnavailable {
			t.Fatalf("add %d with the warehouse failing: got %d %s, want 503", i, r.Status, r.Body)
		}
	}
	if got := l.reached(t) - before; got != 3 {
		t.Errorf("calls that reached the warehouse while closed: got %d, want 3", got)
	}
	if got := l.state(t).State; got != "open" {
		t.Fatalf("breaker after 3 failures: got %s, want open", got)
	}

	before = l.reached(t)
	for range 5 {
		begin := time.Now()
		r := l.addItem(o.OrderID)
		took := time.Since(begin)
		retry, _ := strconv.Atoi(r.Header.Get("Retry-After"))
		if r.Status != http.StatusServiceUnavailable || retry < 30 || retry > 60 {
			t.Errorf("add with the breaker open: got %d, Retry-After %q; want 503 with the remaining minute", r.Status, r.Header.Get("Retry-After"))
		}
		if took > 2*time.Second { // a generous bound: it is milliseconds on an idle machine
			t.Errorf("a call failed by the open breaker took %s", took)
		}
	}
	if got := l.reached(t) - before; got != 0 {
		t.Errorf("calls that reached the warehouse while open: got %d, want 0", got)
	}
	if st := l.state(t); st.Rejected != 5 || st.RetryAfterSeconds < 30 {
		t.Errorf("breaker state: got %+v, want 5 rejected and about a minute to wait", st)
	}
	if got := len(l.Order(o.OrderID).Items); got != 0 {
		t.Errorf("items after failed adds: got %d, want none", got)
	}
	l.setFaults(t, faults.Settings{})
	l.CheckInvariants()
}

// TestBreaker_halfOpen checks the recovery: after the cool-down one trial call
// goes through; a failure opens the breaker again, a success closes it.
func TestBreaker_halfOpen(t *testing.T) {
	// The cool-down is long enough that no state check below can miss an open breaker on a slow machine.
	l := start(t, map[string]string{"BREAKER_FAILURES": "2", "BREAKER_COOLDOWN": "1s"})
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.setFaults(t, faults.Settings{ErrorRate: 1})
	l.addItem(o.OrderID)
	l.addItem(o.OrderID)
	l.waitState(t, "half-open")

	before := l.reached(t)
	if r := l.addItem(o.OrderID); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("trial call with the warehouse failing: got %d, want 503", r.Status)
	}
	if got := l.reached(t) - before; got != 1 {
		t.Errorf("trial calls that reached the warehouse: got %d, want 1", got)
	}
	if got := l.state(t).State; got != "open" {
		t.Errorf("breaker after a failed trial: got %s, want open", got)
	}

	l.setFaults(t, faults.Settings{})
	l.waitState(t, "half-open")
	if it := l.AddItem(o.OrderID, warehouse.Seed[0].ProductID, 1); it.Status != domain.ItemReserved {
		t.Errorf("item added through the half-open breaker: got %s, want RESERVED", it.Status)
	}
	if got := l.state(t).State; got != "closed" {
		t.Errorf("breaker after a successful trial: got %s, want closed", got)
	}
	l.CheckInvariants()
}

// TestBreaker_clientErrorsAreNoFailures checks that 4xx answers, which say the
// request was wrong and not the service, never open the breaker.
func TestBreaker_clientErrorsAreNoFailures(t *testing.T) {
	l := start(t, map[string]string{"BREAKER_FAILURES": "2", "BREAKER_COOLDOWN": "1m"})
	o := l.CreateOrder(acceptance.SeedCustomerID)
	l.setFaults(t, faults.Settings{ErrorRate: 1, ErrorStatus: http.StatusConflict})
	for range 4 {
		if r := l.addItem(o.OrderID); r.Status != http.StatusConflict {
			t.Fatalf("add with the warehouse answering 409: got %d %s, want 409", r.Status, r.Body)
		}
	}
	if got := l.state(t).State; got != "closed" {
		t.Errorf("breaker after four 409s: got %s, want closed", got)
	}
}

func (l *lab) waitState(t *testing.T, want string) {
	t.Helper()
	acceptance.Eventually(t, 10*time.Second, "the warehouse breaker to be "+want, func() bool {
		return l.state(t).State == want
	})
}

// The breakers' JSON keeps the fields the UI reads.
func TestBreakerState_JSON(t *testing.T) {
	b, err := json.Marshal(BreakerState{Service: "ordering", Name: "warehouse", State: "closed"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"service", "name", "state"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %s missing from %s", k, b)
		}
	}
}
