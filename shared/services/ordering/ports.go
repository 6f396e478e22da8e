// Package ordering is the ordering service: orders, their items, and the flow
// that takes an order from OPEN to COMPLETED.
package ordering

import (
	"context"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Repository keeps orders with their items.
type Repository interface {
	// CreateOrder stores a new order with its items.
	CreateOrder(ctx context.Context, o domain.Order) error
	// Order returns the order or a CodeNotFound error.
	Order(ctx context.Context, id string) (domain.Order, error)
	// Orders lists orders, newest first; customerID and status, when set, filter.
	Orders(ctx context.Context, customerID string, status domain.OrderStatus) ([]domain.Order, error)
	// UpdateOrder loads the order, lets fn change it and stores the result, all in
	// one transaction that excludes every other update of the same order. When fn
	// fails nothing is stored and its error comes back. A missing order is CodeNotFound.
	UpdateOrder(ctx context.Context, id string, fn func(*domain.Order) error) (domain.Order, error)
}
