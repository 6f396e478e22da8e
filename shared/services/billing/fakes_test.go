package billing_test

import (
	"context"
	"slices"
	"sync"

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

func (r *memRepo) Invoices(_ context.Context, orderID, customerID string) ([]domain.Invoice, error) {
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

// world fakes the ordering and customers services; a non-nil error field makes that call fail.
type world struct {
	mu                    sync.Mutex
	orders                map[string]domain.Order
	customers             map[string]domain.Customer
	orderErr, customerErr error
	orderCalls            int
}

func (w *world) Order(_ context.Context, id string) (domain.Order, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.orderCalls++
	if w.orderErr != nil {
		return domain.Order{}, w.orderErr
	}
	o, ok := w.orders[id]
	if !ok {
		return domain.Order{}, domain.Errorf(domain.CodeNotFound, "no order %s", id)
	}
	return o, nil
}

func (w *world) Customer(_ context.Context, id string) (domain.Customer, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.customerErr != nil {
		return domain.Customer{}, w.customerErr
	}
	c, ok := w.customers[id]
	if !ok {
		return domain.Customer{}, domain.Errorf(domain.CodeNotFound, "no customer %s", id)
	}
	return c, nil
}

func (w *world) calls() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.orderCalls
}
