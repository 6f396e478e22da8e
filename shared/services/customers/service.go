package customers

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Service is the core of the customers service.
type Service struct {
	repo Repository
}

// New returns the service over its repository.
func New(repo Repository) *Service { return &Service{repo: repo} }

// Create validates the input and stores a new customer.
func (s *Service) Create(ctx context.Context, in domain.NewCustomer) (domain.Customer, error) {
	if err := in.Validate(); err != nil {
		return domain.Customer{}, err
	}
	c := domain.Customer{CustomerID: domain.NewID(), Name: in.Name, Email: in.Email, Address: in.Address, CreatedAt: domain.Now()}
	if err := s.repo.CreateCustomer(ctx, c); err != nil {
		return domain.Customer{}, fmt.Errorf("create customer: %w", err)
	}
	return c, nil
}

// Customer returns one customer.
func (s *Service) Customer(ctx context.Context, id string) (domain.Customer, error) {
	return s.repo.Customer(ctx, id)
}

// Customers lists every customer, newest first.
func (s *Service) Customers(ctx context.Context, page domain.Page) ([]domain.Customer, error) {
	return s.repo.Customers(ctx, page)
}

// Seed stores the seed customers that are missing.
func (s *Service) Seed(ctx context.Context) error { return s.repo.SeedCustomers(ctx, Seed) }
