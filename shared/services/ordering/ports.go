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
	// Orders lists one page of orders (domain.Page), newest first; customerID and status, when set, filter.
	Orders(ctx context.Context, customerID string, status domain.OrderStatus, page domain.Page) ([]domain.Order, error)
	// UpdateOrder loads the order, lets fn change it and stores the result, all in
	// one transaction that excludes every other update of the same order. When fn
	// fails nothing is stored and its error comes back. A missing order is CodeNotFound.
	UpdateOrder(ctx context.Context, id string, fn func(*domain.Order) error) (domain.Order, error)
}

// Customers tells whether a customer exists.
type Customers interface {
	Customer(ctx context.Context, id string) (domain.Customer, error)
}

// Catalog reads a product: whether it exists and its price.
type Catalog interface {
	Product(ctx context.Context, id string) (domain.Product, error)
}

// Reservations holds, confirms and releases stock at the warehouse. Every method
// is idempotent, so a step that failed half-way can be repeated.
type Reservations interface {
	Reserve(ctx context.Context, req domain.ReservationRequest) (domain.Reservation, error)
	ConfirmReservation(ctx context.Context, id string) (domain.Reservation, error)
	CancelReservation(ctx context.Context, id string) (domain.Reservation, error)
	// OrderReservations lists every reservation of an order, including one whose
	// item the order does not know (its answer was lost on the way back).
	OrderReservations(ctx context.Context, orderID string) ([]domain.Reservation, error)
}

// Shipping creates and ships the shipment of an order (idempotent on the order).
type Shipping interface {
	CreateShipment(ctx context.Context, orderID string) (domain.Shipment, error)
}

// Billing issues the invoice of an order (idempotent on the order).
type Billing interface {
	CreateInvoice(ctx context.Context, orderID string) (domain.Invoice, error)
}

// Ports are the other services that ordering depends on.
type Ports struct {
	Customers    Customers
	Catalog      Catalog
	Reservations Reservations
	Shipping     Shipping
	Billing      Billing
}
