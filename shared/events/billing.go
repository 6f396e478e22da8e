package events

import (
	"context"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/billing"
)

// Billing decorates a repository so that a new invoice publishes
// invoice.issued through em in the transaction that stores it.
func Billing(repo billing.Repository, em messaging.Emitter) billing.Repository {
	return &billingRepo{Repository: repo, em: em}
}

type billingRepo struct {
	billing.Repository
	em messaging.Emitter
}

// CreateInvoice stores the invoice and, when this call created it, publishes invoice.issued.
func (r *billingRepo) CreateInvoice(ctx context.Context, inv domain.Invoice) (domain.Invoice, bool, error) {
	var stored domain.Invoice
	var created bool
	err := r.em.InTx(ctx, func(ctx context.Context) error {
		var err error
		if stored, created, err = r.Repository.CreateInvoice(ctx, inv); err != nil || !created {
			return err
		}
		ids := map[string]string{"invoiceId": stored.InvoiceID, "orderId": stored.OrderID}
		return r.em.Emit(ctx, messaging.InvoiceIssued, stored.InvoiceID, ids, stored)
	})
	return stored, created, err
}
