package billing_test

import (
	"context"
	"slices"
	"sync"

	"github.com/microservice-patterns/lab/shared/services/servicetest"

	"github.com/microservice-patterns/lab/shared/domain"
)

// memRepo keeps invoices in memory, one per order; err, when set, makes every call fail with it.
type memRepo struct {
	mu       sync.Mutex
	invoices []domain.Invoice
	err      error
}

func (r *memRepo) CreateInvoice(_ context.Context, inv domain.Invoice) (domain.Invoice, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return domain.Invoice{}, false, r.err
	}
	if i := slices.IndexFunc(r.invoices, func(have domain.Invoice) bool { return have.OrderID == inv.OrderID }); i >= 0 {
		return r.invoices[i], false, nil
	}
	r.invoices = append(r.invoices, inv)
	return inv, true, nil
}

func (r *memRepo) Invoice(_ context.Context, id string) (domain.Invoice, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.invoices, func(inv domain.Invoice) bool { return inv.InvoiceID == id }); i >= 0 {
		return r.invoices[i], nil
	}
	return domain.Invoice{}, domain.Errorf(domain.CodeNotFound, "no invoice %s", id)
}

func (r *memRepo) Invoices(_ context.Context, orderID, customerID string, _ domain.Page) ([]domain.Invoice, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	var list []domain.Invoice
	for _, inv := range slices.Backward(r.invoices) {
		if (orderID == "" || inv.OrderID == orderID) && (customerID == "" || inv.CustomerID == customerID) {
			list = append(list, inv)
		}
	}
	return list, nil
}

func (r *memRepo) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.invoices)
}

// world fakes the ordering and customers services.
type world = servicetest.Neighbours
