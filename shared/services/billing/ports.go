// Package billing is the billing service: one invoice for every shipped order.
package billing

import (
	"context"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Repository keeps invoices.
type Repository interface {
	// CreateInvoice stores inv unless the order already has an invoice; either way it
	// returns the order's invoice, and created says whether inv was stored.
	CreateInvoice(ctx context.Context, inv domain.Invoice) (domain.Invoice, bool, error)
	// Invoice returns the invoice or a CodeNotFound error.
	Invoice(ctx context.Context, id string) (domain.Invoice, error)
	// Invoices lists one page of invoices (domain.Page), newest first; orderID and customerID, when set, filter.
	Invoices(ctx context.Context, orderID, customerID string, page domain.Page) ([]domain.Invoice, error)
}
