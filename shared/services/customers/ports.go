// Package customers is the customers service: who orders, and where goods go.
package customers

import (
	"context"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Repository keeps customers.
type Repository interface {
	// CreateCustomer stores c; an email already taken is a CodeConflict error.
	CreateCustomer(ctx context.Context, c domain.Customer) error
	// Customer returns the customer or a CodeNotFound error.
	Customer(ctx context.Context, id string) (domain.Customer, error)
	// Customers lists one page of customers (domain.Page), newest first.
	Customers(ctx context.Context, page domain.Page) ([]domain.Customer, error)
	// SeedCustomers stores each customer whose id is not stored yet.
	SeedCustomers(ctx context.Context, cs []domain.Customer) error
}
