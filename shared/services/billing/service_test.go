package billing_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/billing"
)

var ctx = context.Background()

const (
	customerID   = "11111111-1111-4111-8111-000000000001"
	customerName = "Ada Lovelace"
	productA     = "22222222-2222-4222-8222-000000000001"
	productB     = "22222222-2222-4222-8222-000000000002"
	productC     = "22222222-2222-4222-8222-000000000003"
)

// order returns an order in status with one item in each item state; only productA and productC are RESERVED.
func order(status domain.OrderStatus) domain.Order {
	return domain.Order{OrderID: domain.NewID(), CustomerID: customerID, Status: status, Currency: domain.Currency, Total: 2*100 + 4*300,
		Items: []domain.OrderItem{
			{ItemID: domain.NewID(), ProductID: productA, Quantity: 2, UnitPrice: 100, Status: domain.ItemReserved},
			{ItemID: domain.NewID(), ProductID: productB, Quantity: 1, UnitPrice: 200, Status: domain.ItemRejected},
			{ItemID: domain.NewID(), ProductID: productC, Quantity: 4, UnitPrice: 300, Status: domain.ItemReserved},
			{ItemID: domain.NewID(), ProductID: productB, Quantity: 5, UnitPrice: 200, Status: domain.ItemCanceled},
			{ItemID: domain.NewID(), ProductID: productB, Quantity: 6, UnitPrice: 200, Status: domain.ItemPending},
		}}
}

var reservedLines = []domain.InvoiceLine{{ProductID: productA, Quantity: 2, UnitPrice: 100}, {ProductID: productC, Quantity: 4, UnitPrice: 300}}

// newWorld returns a world that knows the customer and the orders.
func newWorld(orders ...domain.Order) *world {
	w := &world{Orders: map[string]domain.Order{},
		Customers: map[string]domain.Customer{customerID: {CustomerID: customerID, Name: customerName, Address: "London"}}}
	for _, o := range orders {
		w.Orders[o.OrderID] = o
	}
	return w
}

func newService(repo *memRepo, w *world) *billing.Service { return billing.New(repo, w, w) }

func TestService_Create(t *testing.T) {
	for _, status := range []domain.OrderStatus{domain.OrderShipped, domain.OrderCompleted} {
		t.Run("issues the invoice of a "+string(status)+" order", func(t *testing.T) {
			o := order(status)
			got, created, err := newService(&memRepo{}, newWorld(o)).Create(ctx, domain.OrderRef{OrderID: o.OrderID})
			if err != nil || !created {
				t.Fatalf("got created=%v %v, want created", created, err)
			}
			assertInvoice(t, got, o)
		})
	}

	for _, status := range []domain.OrderStatus{domain.OrderOpen, domain.OrderConfirmed, domain.OrderCanceled} {
		t.Run("refuses a "+string(status)+" order with a conflict", func(t *testing.T) {
			o := order(status)
			repo := &memRepo{}
			_, created, err := newService(repo, newWorld(o)).Create(ctx, domain.OrderRef{OrderID: o.OrderID})
			if got := domain.ErrorCode(err); got != domain.CodeConflict || created {
				t.Errorf("got %q created=%v, want %q", got, created, domain.CodeConflict)
			}
			if n := repo.count(); n != 0 {
				t.Errorf("stored: got %d invoices, want 0", n)
			}
		})
	}

	t.Run("answers the existing invoice, not created, without asking ordering", func(t *testing.T) {
		o := order(domain.OrderShipped)
		repo, w := &memRepo{}, newWorld(o)
		s := newService(repo, w)
		first, _, err := s.Create(ctx, domain.OrderRef{OrderID: o.OrderID})
		if err != nil {
			t.Fatal(err)
		}
		calls := w.OrderCalls()
		again, created, err := s.Create(ctx, domain.OrderRef{OrderID: o.OrderID})
		if err != nil || created {
			t.Fatalf("got created=%v %v, want not created", created, err)
		}
		if again.InvoiceID != first.InvoiceID || repo.count() != 1 {
			t.Errorf("got %s among %d invoices, want the one invoice %s", again.InvoiceID, repo.count(), first.InvoiceID)
		}
		if got := w.OrderCalls(); got != calls {
			t.Errorf("order calls: got %d, want %d", got, calls)
		}
	})
	t.Run("maps an unknown order to invalid on orderId", func(t *testing.T) {
		_, _, err := newService(&memRepo{}, newWorld()).Create(ctx, domain.OrderRef{OrderID: domain.NewID()})
		assertInvalidField(t, err, "orderId")
	})
	t.Run("refuses a malformed order id without asking ordering", func(t *testing.T) {
		w := newWorld()
		_, _, err := newService(&memRepo{}, w).Create(ctx, domain.OrderRef{OrderID: ""})
		assertInvalidField(t, err, "orderId")
		if got := w.OrderCalls(); got != 0 {
			t.Errorf("order calls: got %d, want 0", got)
		}
	})

	failures := []struct {
		name string
		edit func(*world, *memRepo)
		want domain.Code
	}{
		{"keeps the code of an unreachable ordering service",
			func(w *world, _ *memRepo) {
				w.OrderErr = domain.Errorf(domain.CodeUnavailable, "ordering is unavailable")
			}, domain.CodeUnavailable},
		{"keeps the code of an unreachable customers service",
			func(w *world, _ *memRepo) {
				w.CustomerErr = domain.Errorf(domain.CodeTimeout, "customers did not answer")
			}, domain.CodeTimeout},
		{"keeps the code of a repository error",
			func(_ *world, r *memRepo) { r.err = domain.Errorf(domain.CodeUnavailable, "database is down") }, domain.CodeUnavailable},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			o := order(domain.OrderShipped)
			repo, w := &memRepo{}, newWorld(o)
			tc.edit(w, repo)
			_, created, err := newService(repo, w).Create(ctx, domain.OrderRef{OrderID: o.OrderID})
			if got := domain.ErrorCode(err); got != tc.want || created {
				t.Errorf("got %q created=%v (%v), want %q", got, created, err, tc.want)
			}
		})
	}
}

func TestService_Issue(t *testing.T) {
	t.Run("issues the invoice of a shipped order to the name given", func(t *testing.T) {
		o := order(domain.OrderShipped)
		got, err := newService(&memRepo{}, newWorld()).Issue(ctx, o, customerName)
		if err != nil {
			t.Fatal(err)
		}
		assertInvoice(t, got, o)
	})
	t.Run("answers the order's one invoice when repeated", func(t *testing.T) {
		o := order(domain.OrderShipped)
		repo := &memRepo{}
		s := newService(repo, newWorld())
		first, err := s.Issue(ctx, o, customerName)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.Issue(ctx, o, customerName)
		if err != nil || again.InvoiceID != first.InvoiceID || repo.count() != 1 {
			t.Errorf("got %s %v among %d invoices, want the one invoice %s", again.InvoiceID, err, repo.count(), first.InvoiceID)
		}
	})
	for _, status := range []domain.OrderStatus{domain.OrderOpen, domain.OrderConfirmed, domain.OrderCanceled} {
		t.Run("refuses a "+string(status)+" order with a conflict", func(t *testing.T) {
			repo := &memRepo{}
			_, err := newService(repo, newWorld()).Issue(ctx, order(status), customerName)
			if got := domain.ErrorCode(err); got != domain.CodeConflict {
				t.Errorf("code: got %q, want %q", got, domain.CodeConflict)
			}
			if n := repo.count(); n != 0 {
				t.Errorf("stored: got %d invoices, want 0", n)
			}
		})
	}
	t.Run("keeps the repository's error in the chain", func(t *testing.T) {
		want := domain.Errorf(domain.CodeUnavailable, "database is down")
		_, err := newService(&memRepo{err: want}, newWorld()).Issue(ctx, order(domain.OrderShipped), customerName)
		if !errors.Is(err, want) {
			t.Errorf("got %v, want it to wrap %v", err, want)
		}
	})
}

func TestNewInvoice(t *testing.T) {
	t.Run("holds an empty list of lines, not nil, without reserved items", func(t *testing.T) {
		got := billing.NewInvoice(domain.Order{OrderID: domain.NewID(), CustomerID: customerID}, customerName)
		if got.Lines == nil || len(got.Lines) != 0 || got.Amount != 0 {
			t.Errorf("got %#v amount %d, want no lines and 0", got.Lines, got.Amount)
		}
	})
}

func assertInvoice(t *testing.T, got domain.Invoice, o domain.Order) {
	t.Helper()
	if got.Amount != o.Total {
		t.Errorf("amount: got %d, want the order's total %d", got.Amount, o.Total)
	}
	if !slices.Equal(got.Lines, reservedLines) {
		t.Errorf("lines: got %+v, want %+v", got.Lines, reservedLines)
	}
	if got.CustomerName != customerName || got.CustomerID != customerID || got.OrderID != o.OrderID {
		t.Errorf("got %+v, want order %s billed to %s %q", got, o.OrderID, customerID, customerName)
	}
	if got.Status != domain.InvoiceIssued || got.Currency != domain.Currency || !domain.ValidID(got.InvoiceID) || got.IssuedAt.IsZero() {
		t.Errorf("got %+v, want an ISSUED EUR invoice with an id and a time", got)
	}
}

func assertInvalidField(t *testing.T, err error, field string) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid {
		t.Fatalf("got %v, want an invalid error", err)
	}
	for _, f := range de.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("fields: got %+v, want one naming %q", de.Fields, field)
}
