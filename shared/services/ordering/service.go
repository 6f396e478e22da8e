package ordering

import (
	"context"
	"errors"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Service is the core of the ordering service. In the synchronous variants it
// orchestrates the flow: it calls the warehouse, shipping and billing through its ports.
type Service struct {
	core
	ports Ports
}

var _ API = (*Service)(nil)

// New returns the service; every port must be set.
func New(repo Repository, ports Ports) (*Service, error) {
	if repo == nil || ports.Customers == nil || ports.Catalog == nil || ports.Reservations == nil ||
		ports.Shipping == nil || ports.Billing == nil {
		return nil, errors.New("ordering: the repository and every port are required")
	}
	return &Service{core: core{repo: repo, customers: ports.Customers, catalog: ports.Catalog}, ports: ports}, nil
}

// core is what both ordering cores do alike: creating and reading orders, and
// taking an item in as PENDING.
type core struct {
	repo      Repository
	customers Customers
	catalog   Catalog
}

// Create opens an order for a known customer.
func (s core) Create(ctx context.Context, in domain.NewOrder) (domain.Order, error) {
	if err := in.Validate(); err != nil {
		return domain.Order{}, err
	}
	if _, err := s.customers.Customer(ctx, in.CustomerID); err != nil {
		return domain.Order{}, unknownAsInvalid(err, "customerId", "no customer has this id")
	}
	now := domain.Now()
	o := domain.Order{OrderID: domain.NewID(), CustomerID: in.CustomerID, Name: in.Name, Description: in.Description,
		Status: domain.OrderOpen, Items: []domain.OrderItem{}, Currency: domain.Currency, CreatedAt: now, UpdatedAt: now}
	if err := s.repo.CreateOrder(ctx, o); err != nil {
		return domain.Order{}, fmt.Errorf("create order: %w", err)
	}
	return o, nil
}

// unknownAsInvalid turns a NotFound from another service into a 400 on the field
// that referenced it: the client sent an id that does not exist.
func unknownAsInvalid(err error, field, message string) error {
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.Invalid(domain.FieldError{Field: field, Message: message})
	}
	return err
}

// Order returns one order.
func (s core) Order(ctx context.Context, id string) (domain.Order, error) {
	return s.repo.Order(ctx, id)
}

// Orders lists orders; customerID and status, when set, filter.
func (s core) Orders(ctx context.Context, customerID string, status domain.OrderStatus) ([]domain.Order, error) {
	return s.repo.Orders(ctx, customerID, status)
}

// Item returns one item of an order.
func (s core) Item(ctx context.Context, orderID, itemID string) (domain.OrderItem, error) {
	o, err := s.repo.Order(ctx, orderID)
	if err != nil {
		return domain.OrderItem{}, err
	}
	it := o.Item(itemID)
	if it == nil {
		return domain.OrderItem{}, domain.Errorf(domain.CodeNotFound, "order %s has no item %s", orderID, itemID)
	}
	return *it, nil
}

// Cancel cancels an OPEN order. The reservations are cancelled first, so that a
// failure part-way leaves the order OPEN and a repeated cancel finishes the job
// (every cancel at the warehouse is idempotent).
func (s *Service) Cancel(ctx context.Context, orderID string) (domain.Order, error) {
	o, err := s.repo.Order(ctx, orderID)
	if err != nil {
		return domain.Order{}, err
	}
	if o.Status != domain.OrderOpen {
		return domain.Order{}, domain.Errorf(domain.CodeConflict, "order %s is %s: only an OPEN order can be cancelled", o.OrderID, o.Status)
	}
	for _, it := range o.Items {
		if it.ReservationID == "" || it.Status == domain.ItemCanceled {
			continue
		}
		if _, err := s.ports.Reservations.CancelReservation(ctx, it.ReservationID); err != nil {
			return domain.Order{}, fmt.Errorf("cancel reservation %s: %w", it.ReservationID, err)
		}
	}
	return s.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error { return o.Cancel(domain.Now()) })
}
