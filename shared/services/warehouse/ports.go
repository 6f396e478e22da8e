// Package warehouse is the warehouse service: products, their stock and the
// reservations that hold stock for order items.
package warehouse

import (
	"context"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Repository keeps products and reservations.
type Repository interface {
	// CreateProduct stores p; a code already taken is a CodeConflict error.
	CreateProduct(ctx context.Context, p domain.Product) error
	// Product returns the product or a CodeNotFound error.
	Product(ctx context.Context, id string) (domain.Product, error)
	// Products lists one page of products (domain.Page), by code; code, when set, filters on it.
	Products(ctx context.Context, code string, page domain.Page) ([]domain.Product, error)
	// SeedProducts stores each product whose id is not stored yet.
	SeedProducts(ctx context.Context, ps []domain.Product) error

	// Reserve holds stock for one order item, atomically: it is idempotent on
	// req.ItemID (the item's reservation already stored comes back with created
	// false and takes no more stock); otherwise, when the product has enough stock,
	// it takes req.Quantity from it and stores a RESERVED reservation at the
	// product's price, and else stores a REJECTED one whose Reason says why.
	// An unknown product is a CodeNotFound error. Concurrent calls never oversell.
	Reserve(ctx context.Context, req domain.ReservationRequest, id string, now time.Time) (r domain.Reservation, created bool, err error)
	// Reservation returns the reservation or a CodeNotFound error.
	Reservation(ctx context.Context, id string) (domain.Reservation, error)
	// Reservations lists one page of reservations (domain.Page), newest first; orderID, when set, filters on it.
	Reservations(ctx context.Context, orderID string, page domain.Page) ([]domain.Reservation, error)
	// TransitionReservation moves a reservation to the state to (see
	// domain.Reservation.Transition), atomically returning released stock to its product.
	TransitionReservation(ctx context.Context, id string, to domain.ReservationStatus, now time.Time) (domain.Reservation, error)
}
