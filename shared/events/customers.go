package events

import (
	"context"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/customers"
)

// Customers decorates a repository so that a new customer publishes
// customer.created through em in the transaction that stores it. Seeding
// announces every customer (see SeedCustomers).
func Customers(repo customers.Repository, em messaging.Emitter) customers.Repository {
	return &customersRepo{Repository: repo, em: em}
}

type customersRepo struct {
	customers.Repository
	em messaging.Emitter
}

// CreateCustomer stores the customer and publishes customer.created.
func (r *customersRepo) CreateCustomer(ctx context.Context, c domain.Customer) error {
	return r.em.InTx(ctx, func(ctx context.Context) error {
		if err := r.Repository.CreateCustomer(ctx, c); err != nil {
			return err
		}
		return r.emit(ctx, c)
	})
}

// SeedCustomers stores the missing seed customers and then publishes
// customer.created for every customer there is: each start replays the
// customers, so that copies elsewhere fill up, or refill after a rebuild.
func (r *customersRepo) SeedCustomers(ctx context.Context, cs []domain.Customer) error {
	return r.em.InTx(ctx, func(ctx context.Context) error {
		if err := r.Repository.SeedCustomers(ctx, cs); err != nil {
			return err
		}
		all, err := r.Repository.Customers(ctx, domain.Page{})
		if err != nil {
			return err
		}
		for i := len(all) - 1; i >= 0; i-- { // oldest first, as they were created
			if err := r.emit(ctx, all[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (r *customersRepo) emit(ctx context.Context, c domain.Customer) error {
	return r.em.Emit(ctx, messaging.CustomerCreated, c.CustomerID, map[string]string{"customerId": c.CustomerID}, c)
}
