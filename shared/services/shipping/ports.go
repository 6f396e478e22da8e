// Package shipping is the shipping service: it ships the goods of a confirmed
// order to the customer's address.
package shipping

import (
	"context"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Repository keeps shipments.
type Repository interface {
	// CreateShipment stores s unless the order already has a shipment; either way it
	// returns the order's shipment, and created says whether s was stored.
	CreateShipment(ctx context.Context, s domain.Shipment) (domain.Shipment, bool, error)
	// Shipment returns the shipment or a CodeNotFound error.
	Shipment(ctx context.Context, id string) (domain.Shipment, error)
	// Shipments lists one page of shipments (domain.Page), newest first; orderID, when set, filters on it.
	Shipments(ctx context.Context, orderID string, page domain.Page) ([]domain.Shipment, error)
	// ShipShipment marks the shipment SHIPPED at now; shipping it again changes nothing.
	// changed says whether this call shipped it.
	ShipShipment(ctx context.Context, id string, now time.Time) (s domain.Shipment, changed bool, err error)
	// PendingShipments lists the shipments not shipped yet, oldest first.
	PendingShipments(ctx context.Context) ([]domain.Shipment, error)
}
