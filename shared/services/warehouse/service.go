package warehouse

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Service is the core of the warehouse service.
type Service struct {
	repo Repository
}

// New returns the service over its repository.
func New(repo Repository) *Service { return &Service{repo: repo} }

// CreateProduct validates the input and stores a new product.
func (s *Service) CreateProduct(ctx context.Context, in domain.NewProduct) (domain.Product, error) {
	if err := in.Validate(); err != nil {
		return domain.Product{}, err
	}
	p := domain.Product{ProductID: domain.NewID(), Code: in.Code, Name: in.Name, Description: in.Description,
		Stock: in.Stock, Price: in.Price, Currency: in.Currency}
	if err := s.repo.CreateProduct(ctx, p); err != nil {
		return domain.Product{}, fmt.Errorf("create product: %w", err)
	}
	return p, nil
}

// Product returns one product.
func (s *Service) Product(ctx context.Context, id string) (domain.Product, error) {
	return s.repo.Product(ctx, id)
}

// Products lists the products; code, when set, filters on it.
func (s *Service) Products(ctx context.Context, code string, page domain.Page) ([]domain.Product, error) {
	return s.repo.Products(ctx, code, page)
}

// Reserve holds stock for an order item; it is idempotent on the item id.
// An unknown product is an invalid request.
func (s *Service) Reserve(ctx context.Context, req domain.ReservationRequest) (domain.Reservation, bool, error) {
	if err := req.Validate(); err != nil {
		return domain.Reservation{}, false, err
	}
	r, created, err := s.repo.Reserve(ctx, req, domain.NewID(), domain.Now())
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return r, false, domain.Invalid(domain.FieldError{Field: "productId", Message: "no product has this id"})
	}
	if err != nil {
		return r, false, fmt.Errorf("reserve item %s: %w", req.ItemID, err)
	}
	return r, created, nil
}

// Confirm confirms a reservation: its stock stays taken, it is sold.
func (s *Service) Confirm(ctx context.Context, id string) (domain.Reservation, error) {
	return s.repo.TransitionReservation(ctx, id, domain.ReservationConfirmed, domain.Now())
}

// Cancel cancels a reservation: the stock it held returns.
func (s *Service) Cancel(ctx context.Context, id string) (domain.Reservation, error) {
	return s.repo.TransitionReservation(ctx, id, domain.ReservationCanceled, domain.Now())
}

// Reservation returns one reservation.
func (s *Service) Reservation(ctx context.Context, id string) (domain.Reservation, error) {
	return s.repo.Reservation(ctx, id)
}

// Reservations lists reservations; orderID, when set, filters on it.
func (s *Service) Reservations(ctx context.Context, orderID string, page domain.Page) ([]domain.Reservation, error) {
	return s.repo.Reservations(ctx, orderID, page)
}

// Seed stores the seed products that are missing.
func (s *Service) Seed(ctx context.Context) error { return s.repo.SeedProducts(ctx, Seed) }
