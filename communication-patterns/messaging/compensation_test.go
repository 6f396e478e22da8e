package messaging

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
	"github.com/microservice-patterns/lab/shared/domain"
	broker "github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/stack"
)

// flowStack is the base started on a run of its own on the test broker, with
// billing's limit at 100 EUR, and a tap that records every message published.
type flowStack struct {
	s    *acceptance.Suite
	st   *stack.Stack
	mu   sync.Mutex
	seen []broker.Event
}

func startFlow(t *testing.T, env map[string]string) *flowStack {
	run := asynctest.NewRun(t, app.MustCompose(Base), asynctest.Broker(t))
	for k, v := range env {
		run.Options.Env[k] = v
	}
	fs := &flowStack{}
	fs.s, fs.st = acceptance.Start(t, app.MustCompose(Base), acceptance.Options{Stack: run.Options, Timeout: 30 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	tap, err := broker.Tap(ctx, run.URL, run.Names)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range tap {
			fs.mu.Lock()
			fs.seen = append(fs.seen, ev)
			fs.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return fs
}

// messages lists the types of the messages about the order, in the order seen.
func (fs *flowStack) messages(orderID string) []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []string
	for _, ev := range fs.seen {
		if ev.Subject != orderID {
			continue
		}
		typ := ev.Type
		if typ == Replies {
			var r Reply
			_ = ev.DecodeData(&r)
			typ += "(" + r.Command + " " + string(r.Outcome) + ")"
		}
		out = append(out, typ)
	}
	return out
}

// order runs one order of one keyboard through confirm to status, and waits
// until its messages have all been seen (want of them).
func (fs *flowStack) order(t *testing.T, status domain.OrderStatus, want int) (domain.Order, []string) {
	t.Helper()
	return fs.orderOf(t, warehouse.Seed[0].ProductID, status, want)
}

func (fs *flowStack) orderOf(t *testing.T, productID string, status domain.OrderStatus, want int) (domain.Order, []string) {
	t.Helper()
	o := fs.s.CreateOrder(acceptance.SeedCustomerID)
	fs.s.AddItem(o.OrderID, productID, 1)
	fs.s.API().Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, nil)
	o = fs.s.WaitOrder(o.OrderID, status)
	acceptance.Eventually(t, 10*time.Second, "the order's messages on the tap", func() bool {
		return len(fs.messages(o.OrderID)) >= want
	})
	return o, fs.messages(o.OrderID)
}

// TestCompensation: billing refuses an order above its limit after it has
// shipped; the saga cancels the shipment, releases the reservation (the
// stock returns) and cancels the order with a reason; no invoice is issued.
// It also counts the messages of one order, the figure the README gives:
// every step is a command and a reply.
func TestCompensation(t *testing.T) {
	fs := startFlow(t, map[string]string{"BILLING_REFUSE_ABOVE": "5000"}) // 50 EUR: a keyboard is 89
	kb := warehouse.Seed[0]
	before := fs.s.Product(kb.ProductID).Stock
	o, msgs := fs.order(t, domain.OrderCanceled, 10)
	if !strings.Contains(o.Reason, "issue-invoice refused") || !strings.Contains(o.Reason, "50.00 EUR") {
		t.Errorf("reason: got %q, want billing's refusal with its limit", o.Reason)
	}
	if ships := fs.s.Shipments(o.OrderID); len(ships) != 1 || ships[0].Status != domain.ShipmentCanceled {
		t.Errorf("shipments: got %+v, want one CANCELED", ships)
	}
	if invs := fs.s.Invoices(o.OrderID); len(invs) != 0 {
		t.Errorf("invoices: got %d, want none", len(invs))
	}
	if got := fs.s.Product(kb.ProductID).Stock; got != before {
		t.Errorf("stock: got %d, want it back at %d", got, before)
	}
	want := []string{
		"command.reserve-stock", "reply.ordering(reserve-stock done)",
		"command.create-shipment", "reply.ordering(create-shipment done)",
		"command.issue-invoice", "reply.ordering(issue-invoice refused)",
		"command.cancel-shipment", "reply.ordering(cancel-shipment done)",
		"command.release-reservation", "reply.ordering(release-reservation done)",
	}
	if strings.Join(msgs, " ") != strings.Join(want, " ") {
		t.Errorf("messages of a compensated order:\n got %v\nwant %v", msgs, want)
	}
	fs.s.CheckInvariants()
}

// TestMessagesPerOrder counts the messages of one order of one item that
// completes: four commands and their four replies, and nothing else (the
// services announce no events in this base).
func TestMessagesPerOrder(t *testing.T) {
	fs := startFlow(t, nil)
	o, msgs := fs.order(t, domain.OrderCompleted, 8)
	want := []string{
		"command.reserve-stock", "reply.ordering(reserve-stock done)",
		"command.create-shipment", "reply.ordering(create-shipment done)",
		"command.issue-invoice", "reply.ordering(issue-invoice done)",
		"command.confirm-reservation", "reply.ordering(confirm-reservation done)",
	}
	if strings.Join(msgs, " ") != strings.Join(want, " ") {
		t.Errorf("messages of a completed order %s:\n got %v\nwant %v", o.OrderID, msgs, want)
	}
	fs.s.CheckInvariants()
}

// TestTimeoutCompensates: with billing down, issue-invoice gets no reply; the
// saga sends it again, then compensates. When billing is back, the commands
// that waited in its queue are past their deadline: it drops them, and the
// cancelled order never gets an invoice.
func TestTimeoutCompensates(t *testing.T) {
	fs := startFlow(t, map[string]string{"MESSAGING_STEP_TIMEOUT": "2s", "MESSAGING_STEP_ATTEMPTS": "2"})
	if err := fs.st.StopService("billing"); err != nil {
		t.Fatal(err)
	}
	o, msgs := fs.orderOf(t, warehouse.Seed[1].ProductID, domain.OrderCanceled, 9)
	if !strings.Contains(o.Reason, "issue-invoice did not answer after 2 attempts") {
		t.Errorf("reason: got %q, want the step that did not answer", o.Reason)
	}
	want := []string{
		"command.reserve-stock", "reply.ordering(reserve-stock done)",
		"command.create-shipment", "reply.ordering(create-shipment done)",
		"command.issue-invoice", "command.issue-invoice",
		"command.cancel-shipment", "reply.ordering(cancel-shipment done)",
		"command.release-reservation",
	}
	if got := strings.Join(msgs[:min(len(msgs), len(want))], " "); got != strings.Join(want, " ") {
		t.Errorf("messages of an order whose step timed out:\n got %v\nwant %v (and the release's reply)", msgs, want)
	}
	if err := fs.st.StartService("billing"); err != nil {
		t.Fatal(err)
	}
	// Billing's queue is handled in order: once a later order is invoiced, the
	// stale commands before it have been handled (dropped).
	fs.orderOf(t, warehouse.Seed[2].ProductID, domain.OrderCompleted, 8)
	if invs := fs.s.Invoices(o.OrderID); len(invs) != 0 {
		t.Errorf("invoices of the cancelled order after billing came back: got %d, want none", len(invs))
	}
	fs.s.CheckInvariants()
}
