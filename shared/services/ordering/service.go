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

// Orders lists one page of orders; customerID and status, when set, filter.
func (s core) Orders(ctx context.Context, customerID string, status domain.OrderStatus, page domain.Page) ([]domain.Order, error) {
	return s.repo.Orders(ctx, customerID, status, page)
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

// Cancel cancels an OPEN order in three steps. First it cancels every item in one
// update, so the order can no longer be confirmed (a confirm racing the cancel
// either wins before it and the cancel is refused, or is refused itself). Then it
// releases every reservation of the order at the warehouse, and only then marks
// the order CANCELED. When the warehouse fails part-way, the order stays OPEN with
// its items cancelled, and cancelling again finishes the job: every cancel at the
// warehouse is idempotent.
func (s *Service) Cancel(ctx context.Context, orderID string) (domain.Order, error) {
	o, err := s.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error { return o.CancelItems(domain.Now()) })
	if err != nil {
		return domain.Order{}, err
	}
	if err := s.release(ctx, o.OrderID, nil); err != nil {
		return domain.Order{}, &domain.Error{Code: transientOr(err, domain.CodeBadGateway), Err: err, Message: fmt.Sprintf(
			"order %s is OPEN with every item cancelled: releasing its stock failed (%s); cancel again to finish",
			o.OrderID, domain.ErrorMessage(err))}
	}
	return s.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error { return o.Cancel(domain.Now()) })
}

// release cancels every reservation of the order that holds stock or may still
// be confirmed, except those of the items in keep. It finds them at the warehouse,
// so a reservation whose answer never reached ordering is released too.
func (s *Service) release(ctx context.Context, orderID string, keep map[string]bool) error {
	rs, err := s.ports.Reservations.OrderReservations(ctx, orderID)
	if err != nil {
		return fmt.Errorf("list the reservations of order %s: %w", orderID, err)
	}
	for _, r := range rs {
		if keep[r.ReservationID] || (r.Status != domain.ReservationReserved && r.Status != domain.ReservationRejected) {
			continue
		}
		if _, err := s.ports.Reservations.CancelReservation(ctx, r.ReservationID); err != nil {
			return fmt.Errorf("cancel reservation %s: %w", r.ReservationID, err)
		}
	}
	return nil
}

// transientOr keeps the code of a transient error, so the client knows a retry
// may succeed, and otherwise answers code.
func transientOr(err error, code domain.Code) domain.Code {
	if domain.IsTransient(err) {
		return domain.ErrorCode(err)
	}
	return code
}
