package acceptance

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/stack"
)

// Lab is a variant started for a test of its own that makes one of its
// services fail: a suite bound to the gateway, the stack, and the fault
// injection of that service, whose faults are lifted before the stack stops,
// so that no request hangs past the test.
type Lab struct {
	*Suite
	Stack   *stack.Stack
	variant app.Variant
	faults  faults.Client
	stop    sync.Once
}

// StartLab starts the variant named as `lab run` names it (a pattern alone is
// rest plus the pattern; the bases must be linked into the test, as
// communication-patterns links them), with env added to the stack's
// environment and the test's own patterns, if any, after the variant's; the
// Lab's faults are those of the service named faulty.
func StartLab(t testing.TB, variant, faulty string, env map[string]string, own ...*app.Pattern) *Lab {
	t.Helper()
	v, err := app.Lookup(variant)
	if err == nil && len(own) > 0 {
		v, err = app.Compose(v.Base, append(append([]*app.Pattern(nil), v.Patterns...), own...)...)
	}
	if err != nil {
		t.Fatalf("start %s: %v", variant, err)
	}
	s, st := Start(t, v, Options{Stack: stack.Options{Env: env}})
	l := &Lab{Suite: s, Stack: st, variant: v, faults: faults.ViaGateway(st.URL, faulty)}
	t.Cleanup(l.Stop)
	return l
}

// Login returns an access token of user, got as the variant's clients get one
// (app.Pattern.Login); it is empty where the variant has no login.
func (l *Lab) Login(user string) string {
	l.t.Helper()
	tok, err := l.variant.Login(context.Background(), l.Stack.Env(), user)
	if err != nil {
		l.t.Fatalf("log in to %s as %s: %v", l.variant.Name, user, err)
	}
	return tok
}

// SetFaults puts the settings in force at the faulty service.
func (l *Lab) SetFaults(s faults.Settings) {
	l.t.Helper()
	if _, err := l.faults.Set(context.Background(), s); err != nil {
		l.t.Fatal(err)
	}
}

// Reached is how many requests have reached the faulty service so far.
func (l *Lab) Reached() uint64 {
	l.t.Helper()
	st, err := l.faults.Get(context.Background())
	if err != nil {
		l.t.Fatal(err)
	}
	return st.Requests
}

// Stop lifts the faults and stops the stack, before the test ends when it
// wants to see what stopping leaves behind; a second call does nothing.
func (l *Lab) Stop() {
	l.stop.Do(func() {
		_, _ = l.faults.Set(context.Background(), faults.Settings{})
		l.Stack.Stop()
	})
}

// TryAddItem adds qty of the product to the order and returns the answer,
// whatever its status: a test of a failure looks at it (AddItem wants 201).
func (s *Suite) TryAddItem(orderID, productID string, qty int) Response {
	s.t.Helper()
	return s.api.Do(http.MethodPost, "/api/orders/"+orderID+"/items", jsonBody(domain.NewItem{ProductID: productID, Quantity: qty}), true)
}

// TryConfirm confirms the order and returns the answer, whatever its status.
func (s *Suite) TryConfirm(orderID string) Response {
	s.t.Helper()
	return s.api.Do(http.MethodPost, "/api/orders/"+orderID+"/confirm", "", true)
}

// AddFails adds one of the product to the order, wants the answer to be the
// failure want, and checks that the add changed nothing: the order has the
// items it had. It returns the answer.
func (s *Suite) AddFails(orderID, productID string, want int) Response {
	s.t.Helper()
	before := len(s.Order(orderID).Items)
	r := s.TryAddItem(orderID, productID, 1)
	if r.Status != want {
		s.t.Fatalf("add %s to order %s: got %d %s, want %d", productID, orderID, r.Status, r.Body, want)
	}
	if got := s.Order(orderID).Items; len(got) != before {
		s.t.Errorf("items after a failed add: got %+v, want the %d before it", got, before)
	}
	return r
}
