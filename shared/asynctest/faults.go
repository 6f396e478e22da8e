package asynctest

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/stack"
)

// faultStack is a variant running in this process with every broker
// connection through a proxy the test controls.
type faultStack struct {
	run   *Run
	px    *Proxy
	st    *stack.Stack
	suite *acceptance.Suite
	crash *crashHook
	v     app.Variant
}

// Faults puts an asynchronous variant through the broker's failures, one after
// the other on one stack, and checks CONTRACT.md's invariants after each:
//
//	a. the broker connection is cut mid-flow and restored: every order completes;
//	b. billing's consumer crashes after its effect, before its ack: one invoice;
//	c. every event of an order is published twice more: nothing changes;
//	d. a malformed message is dead-lettered and the consumer goes on;
//	e. billing is down while events for it are published, and catches up.
func Faults(t *testing.T, v app.Variant) {
	fs := startFaultStack(t, v)
	for _, c := range []struct {
		name string
		run  func(t *testing.T, fs *faultStack, s *acceptance.Suite)
	}{
		{"a: broker connection cut mid-flow", connectionCut},
		{"b: crash after the effect, before the ack", crashBeforeAck},
		{"c: every event published twice", duplicates},
		{"d: malformed message dead-lettered", malformed},
		{"e: service down while events are published", serviceDown},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := fs.suite.With(t)
			c.run(t, fs, s)
			s.CheckInvariants()
		})
	}
}

func startFaultStack(t *testing.T, v app.Variant) *faultStack {
	url := Broker(t)
	fs := &faultStack{px: NewProxy(t, url), crash: &crashHook{}, v: v}
	// The crash is a pattern of the test's own, through the seam every pattern uses.
	v.Patterns = append(slices.Clone(v.Patterns), &app.Pattern{Name: "crash", Extend: func(s app.Scope) (*app.Extension, error) {
		if s.Service != "billing" {
			return nil, nil
		}
		return &app.Extension{Handle: fs.crash.around}, nil
	}})
	fs.run = NewRun(t, v, url)
	fs.run.Options.Env["AMQP_URL"] = fs.px.URL
	st, err := stack.Start(context.Background(), v, fs.run.Options)
	if err != nil {
		t.Fatalf("start %s: %v", v.Name, err)
	}
	t.Cleanup(st.Stop)
	fs.st = st
	fs.crash.px = fs.px
	fs.suite = acceptance.New(t, st.URL, acceptance.Options{Timeout: 30 * time.Second, EventualReads: v.Base.EventualReads()})
	return fs
}

// connectionCut confirms three orders and cuts every broker connection at
// once; an item added while the broker is away waits in the outbox. After the
// restore every order completes.
func connectionCut(t *testing.T, fs *faultStack, s *acceptance.Suite) {
	var orders []string
	for i := range 3 {
		o := s.CreateOrder(acceptance.SeedCustomerID)
		s.AddItem(o.OrderID, warehouse.Seed[i].ProductID, 1)
		orders = append(orders, o.OrderID)
	}
	for _, id := range orders {
		s.API().Post("/api/orders/"+id+"/confirm", nil, http.StatusOK, nil)
	}
	fs.px.Cut()
	restored := time.AfterFunc(time.Second, fs.px.Restore)
	defer restored.Stop()
	late := s.CreateOrder(acceptance.SeedCustomerID)
	s.AddItem(late.OrderID, warehouse.Seed[4].ProductID, 2) // waits for the restore
	s.API().Post("/api/orders/"+late.OrderID+"/confirm", nil, http.StatusOK, nil)
	for _, id := range append(orders, late.OrderID) {
		s.WaitOrder(id, domain.OrderCompleted)
	}
}

// crashHook cuts the broker connections inside billing's handler of the armed
// order, after the invoice is written and before the message is acked.
type crashHook struct {
	px      *Proxy
	orderID atomic.Value // string: the armed order
	calls   atomic.Int32 // handler runs for the armed order
}

// around wraps each of billing's handlers: whichever message brings billing
// the armed order (order.shipped in a choreography, a command in messaging).
func (c *crashHook) around(_ string, h messaging.Handler) messaging.Handler {
	return func(ctx context.Context, ev messaging.Event) error {
		if err := h(ctx, ev); err != nil {
			return err
		}
		var id app.EventIDs
		if armed, _ := c.orderID.Load().(string); armed != "" && ev.DecodeData(&id) == nil && id.OrderID == armed {
			if c.calls.Add(1) == 1 {
				c.px.Cut() // the transaction commits; the ack cannot reach the broker
				time.AfterFunc(300*time.Millisecond, c.px.Restore)
			}
		}
		return nil
	}
}

// crashBeforeAck: the message that made billing invoice comes again after the crash; the
// inbox makes the redelivery a no-op, so the order has one invoice.
func crashBeforeAck(t *testing.T, fs *faultStack, s *acceptance.Suite) {
	o := s.CreateOrder(acceptance.SeedCustomerID)
	s.AddItem(o.OrderID, warehouse.Seed[5].ProductID, 1)
	fs.crash.orderID.Store(o.OrderID)
	s.API().Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, nil)
	s.WaitOrder(o.OrderID, domain.OrderCompleted)
	fs.drain(t, s)
	if got := fs.crash.calls.Load(); got != 1 {
		t.Errorf("billing's handler ran %d times for the order, want 1 (the redelivery skips it)", got)
	}
	if n := len(s.Invoices(o.OrderID)); n != 1 {
		t.Errorf("invoices: got %d, want 1", n)
	}
}

// serviceDown stops billing, completes an order up to SHIPPED, and starts
// billing again: its queue kept order.shipped, and the order completes.
func serviceDown(t *testing.T, fs *faultStack, s *acceptance.Suite) {
	if err := fs.st.StopService("billing"); err != nil {
		t.Fatal(err)
	}
	o := s.CreateOrder(acceptance.SeedCustomerID)
	s.AddItem(o.OrderID, warehouse.Seed[6].ProductID, 3)
	s.API().Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, nil)
	s.WaitOrder(o.OrderID, domain.OrderShipped)
	time.Sleep(200 * time.Millisecond)
	if got := s.Order(o.OrderID).Status; got != domain.OrderShipped {
		t.Fatalf("with billing down: got %s, want SHIPPED", got)
	}
	if err := fs.st.StartService("billing"); err != nil {
		t.Fatal(err)
	}
	s.WaitOrder(o.OrderID, domain.OrderCompleted)
}

// orderFlow runs one order to COMPLETED while recording every event published
// meanwhile, and returns them.
func (fs *faultStack) orderFlow(t *testing.T, s *acceptance.Suite, product string) (string, []messaging.Event) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tap, err := messaging.Tap(ctx, fs.run.URL, fs.run.Names)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []messaging.Event
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range tap {
			mu.Lock()
			seen = append(seen, ev)
			mu.Unlock()
		}
	}()
	o := s.CreateOrder(acceptance.SeedCustomerID)
	s.AddItem(o.OrderID, product, 2)
	s.API().Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, nil)
	s.WaitOrder(o.OrderID, domain.OrderCompleted)
	fs.drain(t, s)
	cancel()
	<-done
	return o.OrderID, seen
}
