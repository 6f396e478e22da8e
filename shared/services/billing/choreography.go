package billing

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Issue issues the invoice of a shipped order to the customer named
// customerName (idempotent on the order): the billing service's part of the
// choreography. Where the order and the name come from (an HTTP call back, or
// the event and a local copy) is the variant's business.
func (s *Service) Issue(ctx context.Context, o domain.Order, customerName string) (domain.Invoice, error) {
	if o.Status != domain.OrderShipped && o.Status != domain.OrderCompleted {
		return domain.Invoice{}, domain.Errorf(domain.CodeConflict, "order %s is %s: an invoice is issued once it has shipped", o.OrderID, o.Status)
	}
	inv, _, err := s.repo.CreateInvoice(ctx, NewInvoice(o, customerName))
	if err != nil {
		return domain.Invoice{}, fmt.Errorf("issue invoice of order %s: %w", o.OrderID, err)
	}
	return inv, nil
}
