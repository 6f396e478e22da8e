package warehouse

import (
	"context"

	"github.com/microservice-patterns/lab/shared/domain"
)

// The warehouse's part of the choreography: what it does when ordering
// announces a change. Each reaction reads only the warehouse's own data and is
// idempotent, so a repeated event changes nothing. Reserving an added item is
// Reserve: where its product and quantity come from is the variant's business.

// ConfirmOrder confirms every RESERVED reservation of a confirmed order: the
// stock stays taken, it is sold.
func (s *Service) ConfirmOrder(ctx context.Context, orderID string) error {
	return s.moveOrder(ctx, orderID, "", domain.ReservationConfirmed)
}

// CancelOrder cancels every reservation of a cancelled order that is not final
// yet; the stock the RESERVED ones held returns.
func (s *Service) CancelOrder(ctx context.Context, orderID string) error {
	return s.moveOrder(ctx, orderID, "", domain.ReservationCanceled)
}

// CancelItem cancels the reservation of a removed item, if it has one.
func (s *Service) CancelItem(ctx context.Context, orderID, itemID string) error {
	return s.moveOrder(ctx, orderID, itemID, domain.ReservationCanceled)
}

// moveOrder moves the order's reservations (only the item's, when itemID is
// set) that can move to the state to; the others stay as they are.
func (s *Service) moveOrder(ctx context.Context, orderID, itemID string, to domain.ReservationStatus) error {
	list, err := s.repo.Reservations(ctx, orderID, domain.Page{})
	if err != nil {
		return err
	}
	for _, r := range list {
		if itemID != "" && r.ItemID != itemID {
			continue
		}
		if !canMove(r.Status, to) {
			continue
		}
		if _, err := s.repo.TransitionReservation(ctx, r.ReservationID, to, domain.Now()); err != nil {
			return err
		}
	}
	return nil
}

// canMove reports whether a reservation in state from can move to the state to.
func canMove(from, to domain.ReservationStatus) bool {
	switch to {
	case domain.ReservationConfirmed:
		return from == domain.ReservationReserved
	case domain.ReservationCanceled:
		return from == domain.ReservationReserved || from == domain.ReservationRejected
	}
	return false
}
