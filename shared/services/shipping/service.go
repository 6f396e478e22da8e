package shipping

import (
	"context"
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Orders reads an order from the ordering service.
type Orders interface {
	Order(ctx context.Context, id string) (domain.Order, error)
}

// Customers reads a customer (for the address) from the customers service.
type Customers interface {
	Customer(ctx context.Context, id string) (domain.Customer, error)
}

// Service is the core of the shipping service.
type Service struct {
	repo      Repository
	orders    Orders
	customers Customers
	delay     time.Duration
}

// New returns the service. delay is how long a shipment waits before it ships.
func New(repo Repository, orders Orders, customers Customers, delay time.Duration) *Service {
	return &Service{repo: repo, orders: orders, customers: customers, delay: delay}
}

// Create creates the shipment of a confirmed order (idempotent on the order id)
// and ships it after the delay. created says whether this call created it.
func (s *Service) Create(ctx context.Context, ref domain.OrderRef) (domain.Shipment, bool, error) {
	if err := ref.Validate(); err != nil {
		return domain.Shipment{}, false, err
	}
	existing, err := s.repo.Shipments(ctx, ref.OrderID, domain.Page{})
	if err != nil {
		return domain.Shipment{}, false, err
	}
	if len(existing) > 0 {
		sh, err := s.Ship(ctx, existing[0])
		return sh, false, err
	}
	sh, err := s.prepare(ctx, ref.OrderID)
	if err != nil {
		return domain.Shipment{}, false, err
	}
	sh, created, err := s.repo.CreateShipment(ctx, sh)
	if err != nil {
		return domain.Shipment{}, false, fmt.Errorf("create shipment of order %s: %w", ref.OrderID, err)
	}
	sh, err = s.Ship(ctx, sh)
	return sh, created, err
}

// prepare builds the shipment of an order from the order and the customer.
func (s *Service) prepare(ctx context.Context, orderID string) (domain.Shipment, error) {
	o, err := s.orders.Order(ctx, orderID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.Shipment{}, domain.Invalid(domain.FieldError{Field: "orderId", Message: "no order has this id"})
	}
	if err != nil {
		return domain.Shipment{}, fmt.Errorf("read order %s: %w", orderID, err)
	}
	if o.Status == domain.OrderOpen || o.Status == domain.OrderCanceled {
		return domain.Shipment{}, domain.Errorf(domain.CodeConflict, "order %s is %s: only a confirmed order ships", o.OrderID, o.Status)
	}
	c, err := s.customers.Customer(ctx, o.CustomerID)
	if err != nil {
		return domain.Shipment{}, fmt.Errorf("read customer %s: %w", o.CustomerID, err)
	}
	return NewShipment(o, c.Address), nil
}

// NewShipment returns the PENDING shipment of an order's reserved items to address.
func NewShipment(o domain.Order, address string) domain.Shipment {
	sh := domain.Shipment{ShipmentID: domain.NewID(), OrderID: o.OrderID, CustomerID: o.CustomerID, Address: address,
		Items: []domain.ShipmentItem{}, Status: domain.ShipmentPending, CreatedAt: domain.Now()}
	for _, it := range o.Items {
		if it.Status == domain.ItemReserved {
			sh.Items = append(sh.Items, domain.ShipmentItem{ProductID: it.ProductID, Quantity: it.Quantity})
		}
	}
	return sh
}

// Ship ships a PENDING shipment once the delay since its creation has passed.
func (s *Service) Ship(ctx context.Context, sh domain.Shipment) (domain.Shipment, error) {
	if sh.Status == domain.ShipmentShipped {
		return sh, nil
	}
	if wait := time.Until(sh.CreatedAt.Add(s.delay)); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return sh, domain.Errorf(domain.CodeTimeout, "shipment %s did not ship before the request ended", sh.ShipmentID)
		case <-t.C:
		}
	}
	sh, _, err := s.repo.ShipShipment(ctx, sh.ShipmentID, domain.Now())
	return sh, err
}

// Shipment returns one shipment.
func (s *Service) Shipment(ctx context.Context, id string) (domain.Shipment, error) {
	return s.repo.Shipment(ctx, id)
}

// Shipments lists shipments; orderID, when set, filters on it.
func (s *Service) Shipments(ctx context.Context, orderID string, page domain.Page) ([]domain.Shipment, error) {
	return s.repo.Shipments(ctx, orderID, page)
}
