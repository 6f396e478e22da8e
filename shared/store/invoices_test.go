package store_test

import (
	"reflect"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

// TestInvoices is the contract suite of billing.Repository.
func TestInvoices(t *testing.T) {
	forEachDB(t, "billing", func(t *testing.T, db *store.DB) {
		runCases(t, store.NewInvoices(db), []testCase[*store.Invoices]{
			{"creates and gets an invoice", testInvoiceCreate},
			{"is idempotent on the order", testInvoiceIdempotent},
			{"an invoice without lines has an empty list", testInvoiceNoLines},
			{"answers not found for an unknown id", testInvoiceNotFound},
			{"lists newest first and filters", testInvoicesList},
		})
	})
}

func newInvoice(customerID string, n int) domain.Invoice {
	return domain.Invoice{
		InvoiceID: domain.NewID(), OrderID: domain.NewID(), CustomerID: customerID, CustomerName: "Ada",
		Amount: 3750, Currency: domain.Currency, Status: domain.InvoiceIssued, IssuedAt: at(n),
		Lines: []domain.InvoiceLine{{ProductID: domain.NewID(), Quantity: 3, UnitPrice: 1250}},
	}
}

func testInvoiceCreate(t *testing.T, s *store.Invoices) {
	inv := newInvoice(domain.NewID(), 1)
	got, created, err := s.CreateInvoice(t.Context(), inv)
	must(t, err)
	if !created || !reflect.DeepEqual(got, inv) {
		t.Fatalf("got %+v (created %v), want %+v (created)", got, created, inv)
	}
	got, err = s.Invoice(t.Context(), inv.InvoiceID)
	must(t, err)
	if !reflect.DeepEqual(got, inv) {
		t.Fatalf("got %+v, want %+v", got, inv)
	}
}

func testInvoiceIdempotent(t *testing.T, s *store.Invoices) {
	inv := newInvoice(domain.NewID(), 2)
	_, _, err := s.CreateInvoice(t.Context(), inv)
	must(t, err)
	twin := newInvoice(domain.NewID(), 3)
	twin.OrderID = inv.OrderID
	got, created, err := s.CreateInvoice(t.Context(), twin)
	must(t, err)
	if created || !reflect.DeepEqual(got, inv) {
		t.Fatalf("got %+v (created %v), want the first one %+v", got, created, inv)
	}
}

func testInvoiceNoLines(t *testing.T, s *store.Invoices) {
	inv := newInvoice(domain.NewID(), 4)
	inv.Lines = nil
	got, _, err := s.CreateInvoice(t.Context(), inv)
	must(t, err)
	if got.Lines == nil || len(got.Lines) != 0 {
		t.Fatalf("lines: got %#v, want []", got.Lines)
	}
}

func testInvoiceNotFound(t *testing.T, s *store.Invoices) {
	_, err := s.Invoice(t.Context(), domain.NewID())
	wantCode(t, err, domain.CodeNotFound)
}

func testInvoicesList(t *testing.T, s *store.Invoices) {
	customer := domain.NewID()
	old, newest := newInvoice(customer, 10), newInvoice(customer, 20)
	for _, inv := range []domain.Invoice{newest, old, newInvoice(domain.NewID(), 30)} {
		_, _, err := s.CreateInvoice(t.Context(), inv)
		must(t, err)
	}
	wantInvoices(t, s, "", customer, newest, old)
	wantInvoices(t, s, old.OrderID, "", old)
	wantInvoices(t, s, old.OrderID, customer, old)
	wantInvoices(t, s, newest.OrderID, domain.NewID())
}

// wantInvoices checks the ids of the invoices listed with the filters.
func wantInvoices(t *testing.T, s *store.Invoices, orderID, customerID string, want ...domain.Invoice) {
	t.Helper()
	list, err := s.Invoices(t.Context(), orderID, customerID, domain.Page{})
	must(t, err)
	got, wantIDs := []string{}, []string{}
	for _, inv := range list {
		got = append(got, inv.InvoiceID)
	}
	for _, inv := range want {
		wantIDs = append(wantIDs, inv.InvoiceID)
	}
	if !reflect.DeepEqual(got, wantIDs) {
		t.Fatalf("Invoices(%q, %q): got %v, want %v", orderID, customerID, got, wantIDs)
	}
}
