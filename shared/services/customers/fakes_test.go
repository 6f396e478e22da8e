package customers_test

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/microservice-patterns/lab/shared/domain"
)

// memRepo keeps customers in memory; err, when set, makes every call fail with it.
type memRepo struct {
	mu        sync.Mutex
	customers []domain.Customer
	err       error
}

func (r *memRepo) CreateCustomer(_ context.Context, c domain.Customer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	for _, have := range r.customers {
		if strings.EqualFold(have.Email, c.Email) {
			return domain.Errorf(domain.CodeConflict, "the email %s is taken", c.Email)
		}
	}
	r.customers = append(r.customers, c)
	return nil
}

func (r *memRepo) Customer(_ context.Context, id string) (domain.Customer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return domain.Customer{}, r.err
	}
	for _, c := range r.customers {
		if c.CustomerID == id {
			return c, nil
		}
	}
	return domain.Customer{}, domain.Errorf(domain.CodeNotFound, "no customer %s", id)
}

// Customers answers nil, not an empty slice, when there are none: the edge must cope.
func (r *memRepo) Customers(context.Context, domain.Page) ([]domain.Customer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	var list []domain.Customer
	for _, c := range slices.Backward(r.customers) {
		list = append(list, c)
	}
	return list, nil
}

func (r *memRepo) SeedCustomers(_ context.Context, cs []domain.Customer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	for _, c := range cs {
		if !slices.ContainsFunc(r.customers, func(have domain.Customer) bool { return have.CustomerID == c.CustomerID }) {
			r.customers = append(r.customers, c)
		}
	}
	return nil
}

func (r *memRepo) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.customers)
}
