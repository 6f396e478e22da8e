package billing

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Orders reads an order from the ordering service.
type Orders interface {
	Order(ctx context.Context, id string) (domain.Order, error)
}

// Customers reads a customer (for the name on the invoice) from the customers service.
type Customers interface {
	Customer(ctx context.Context, id string) (domain.Customer, error)
}

// Service is the core of the billing service.
type Service struct {
	repo      Repository
	orders    Orders
	customers Customers
}

// New returns the service.
func New(repo Repository, orders Orders, customers Customers) *Service {
	return &Service{repo: repo, orders: orders, customers: customers}
}

// Create issues the invoice of a shipped order; it is idempotent on the order id.
func (s *Service) Create(ctx context.Context, ref domain.OrderRef) (domain.Invoice, bool, error) {
	if err := ref.Validate(); err != nil {
		return domain.Invoice{}, false, err
	}
	if existing, err := s.repo.Invoices(ctx, ref.OrderID, "", domain.Page{}); err != nil || len(existing) > 0 {
		if err != nil {
			return domain.Invoice{}, false, err
		}
		return existing[0], false, nil
	}
	o, err := s.orders.Order(ctx, ref.OrderID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.Invoice{}, false, domain.Invalid(domain.FieldError{Field: "orderId", Message: "no order has this id"})
	}
	if err != nil {
		return domain.Invoice{}, false, fmt.Errorf("read order %s: %w", ref.OrderID, err)
	}
	if o.Status != domain.OrderShipped && o.Status != domain.OrderCompleted {
		return domain.Invoice{}, false, domain.Errorf(domain.CodeConflict, "order %s is %s: an invoice is issued once it has shipped", o.OrderID, o.Status)
	}
	c, err := s.customers.Customer(ctx, o.CustomerID)
	if err != nil {
		return domain.Invoice{}, false, fmt.Errorf("read customer %s: %w", o.CustomerID, err)
	}
	inv, created, err := s.repo.CreateInvoice(ctx, NewInvoice(o, c.Name))
	if err != nil {
		return domain.Invoice{}, false, fmt.Errorf("issue invoice of order %s: %w", o.OrderID, err)
	}
	return inv, created, nil
}

// NewInvoice returns the invoice of an order's reserved items; its amount is the order's total.
func NewInvoice(o domain.Order, customerName string) domain.Invoice {
	inv := domain.Invoice{InvoiceID: domain.NewID(), OrderID: o.OrderID, CustomerID: o.CustomerID, CustomerName: customerName,
		Amount: o.Total, Currency: domain.Currency, Lines: []domain.InvoiceLine{}, Status: domain.InvoiceIssued, IssuedAt: domain.Now()}
	for _, it := range o.Items {
		if it.Status == domain.ItemReserved {
			inv.Lines = append(inv.Lines, domain.InvoiceLine{ProductID: it.ProductID, Quantity: it.Quantity, UnitPrice: it.UnitPrice})
		}
	}
	return inv
}

// Invoice returns one invoice.
func (s *Service) Invoice(ctx context.Context, id string) (domain.Invoice, error) {
	return s.repo.Invoice(ctx, id)
}

// Invoices lists invoices; orderID and customerID, when set, filter.
func (s *Service) Invoices(ctx context.Context, orderID, customerID string, page domain.Page) ([]domain.Invoice, error) {
	return s.repo.Invoices(ctx, orderID, customerID, page)
}
