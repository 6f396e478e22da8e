package ordering

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Confirm confirms an OPEN order and drives it to COMPLETED: it confirms the
// reservations, has shipping create and ship the shipment (the order becomes
// SHIPPED), then has billing issue the invoice (the order becomes COMPLETED).
//
// The steps are calls to other services, so one can fail after the ones before it
// succeeded. The order then keeps the state it reached (CONFIRMED or SHIPPED), the
// error comes back, and confirming again resumes from there: every step is
// idempotent at the service that performs it.
func (s *Service) Confirm(ctx context.Context, orderID string) (domain.Order, error) {
	o, err := s.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error {
		_, err := o.Confirm(domain.Now())
		return err
	})
	if err != nil {
		return domain.Order{}, err
	}
	if o.Status == domain.OrderConfirmed {
		if o, err = s.ship(ctx, o); err != nil {
			return domain.Order{}, err
		}
	}
	if o.Status == domain.OrderShipped {
		if o, err = s.bill(ctx, o); err != nil {
			return domain.Order{}, err
		}
	}
	return o, nil
}

// ship confirms the reservations of the live items, releases any other
// reservation of the order (a removed item's, or one whose answer was lost), and
// has the shipment created and shipped.
func (s *Service) ship(ctx context.Context, o domain.Order) (domain.Order, error) {
	live := map[string]bool{}
	for _, it := range o.Live() {
		if _, err := s.ports.Reservations.ConfirmReservation(ctx, it.ReservationID); err != nil {
			return o, unfinished(o, "confirm reservation "+it.ReservationID, err)
		}
		live[it.ReservationID] = true
	}
	if err := s.release(ctx, o.OrderID, live); err != nil {
		return o, unfinished(o, "release the reservations of removed items", err)
	}
	sh, err := s.ports.Shipping.CreateShipment(ctx, o.OrderID)
	if err != nil {
		return o, unfinished(o, "create shipment", err)
	}
	if sh.Status != domain.ShipmentShipped {
		return o, nil
	}
	return s.repo.UpdateOrder(ctx, o.OrderID, func(o *domain.Order) error {
		_, err := o.MarkShipped(domain.Now())
		return err
	})
}

// bill has the invoice issued and completes the order.
func (s *Service) bill(ctx context.Context, o domain.Order) (domain.Order, error) {
	if _, err := s.ports.Billing.CreateInvoice(ctx, o.OrderID); err != nil {
		return o, unfinished(o, "issue invoice", err)
	}
	return s.repo.UpdateOrder(ctx, o.OrderID, func(o *domain.Order) error {
		_, err := o.MarkCompleted(domain.Now())
		return err
	})
}

// unfinished explains a failed step: the order stays where it is, and confirming
// again resumes. A conflict downstream is not the client's doing, so it is reported
// as a bad gateway; a transient failure keeps its code so the client may retry.
func unfinished(o domain.Order, step string, err error) error {
	return &domain.Error{Code: transientOr(err, domain.CodeBadGateway), Err: err, Message: fmt.Sprintf(
		"order %s is %s: %s failed (%s); confirm again to finish", o.OrderID, o.Status, step, domain.ErrorMessage(err))}
}
