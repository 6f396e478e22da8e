package ordering

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
)

// AddItem adds a product to an OPEN order and reserves its stock at the warehouse.
// The item is stored PENDING first, so that a concurrent add of the same product
// is refused; when the warehouse cannot be reached the item is taken out again
// and the order is as before.
func (s *Service) AddItem(ctx context.Context, orderID string, in domain.NewItem) (domain.OrderItem, error) {
	item, err := s.addPending(ctx, orderID, in)
	if err != nil {
		return domain.OrderItem{}, err
	}
	return s.reserve(ctx, orderID, item)
}

// addPending checks the input, the order and the product, and stores a new
// PENDING item at the catalogue's price.
func (s core) addPending(ctx context.Context, orderID string, in domain.NewItem) (domain.OrderItem, error) {
	if err := in.Validate(); err != nil {
		return domain.OrderItem{}, err
	}
	o, err := s.repo.Order(ctx, orderID)
	if err != nil {
		return domain.OrderItem{}, err
	}
	if err := o.CheckAddItem(in.ProductID); err != nil {
		return domain.OrderItem{}, err
	}
	p, err := s.catalog.Product(ctx, in.ProductID)
	if err != nil {
		return domain.OrderItem{}, unknownAsInvalid(err, "productId", "no product has this id")
	}
	item := domain.OrderItem{ItemID: domain.NewID(), ProductID: p.ProductID, Quantity: in.Quantity,
		UnitPrice: p.Price, Status: domain.ItemPending}
	if _, err := s.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error {
		if err := o.CheckAddItem(in.ProductID); err != nil {
			return err
		}
		o.Items, o.UpdatedAt = append(o.Items, item), domain.Now()
		return nil
	}); err != nil {
		return domain.OrderItem{}, err
	}
	return item, nil
}

// reserve asks the warehouse for the item's stock and records the answer.
func (s *Service) reserve(ctx context.Context, orderID string, item domain.OrderItem) (domain.OrderItem, error) {
	r, err := s.ports.Reservations.Reserve(ctx, domain.ReservationRequest{OrderID: orderID, ItemID: item.ItemID,
		ProductID: item.ProductID, Quantity: item.Quantity})
	if err != nil {
		s.dropPending(context.WithoutCancel(ctx), orderID, item.ItemID)
		return domain.OrderItem{}, fmt.Errorf("reserve stock: %w", err)
	}
	status := domain.ItemRejected
	if r.Status == domain.ReservationReserved {
		status = domain.ItemReserved
	}
	var release bool
	o, err := s.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error {
		it := o.Item(item.ItemID)
		if it != nil && it.Status == domain.ItemPending {
			it.UnitPrice = r.UnitPrice
		}
		if o.SetItemOutcome(item.ItemID, r.ReservationID, status, domain.Now()) {
			return nil
		}
		// The item is no longer PENDING. When it holds this reservation,
		// another call for the same item (the command, or a reconcile pass of
		// any instance) recorded the same answer first, and the stock is the
		// item's. Otherwise the item was cancelled or taken out meanwhile,
		// for good, and the stock must return.
		release = r.Status == domain.ReservationReserved &&
			(it == nil || it.Status == domain.ItemCanceled || it.ReservationID != r.ReservationID)
		return nil
	})
	if err != nil {
		return domain.OrderItem{}, err
	}
	if release {
		if _, err := s.ports.Reservations.CancelReservation(ctx, r.ReservationID); err != nil {
			return domain.OrderItem{}, fmt.Errorf("release reservation of a cancelled item: %w", err)
		}
	}
	it := o.Item(item.ItemID)
	if it == nil {
		return domain.OrderItem{}, domain.Errorf(domain.CodeConflict,
			"item %s was taken out of order %s while its stock was being reserved", item.ItemID, orderID)
	}
	return *it, nil
}

// dropPending takes a PENDING item out of its order again.
func (s *Service) dropPending(ctx context.Context, orderID, itemID string) {
	_, _ = s.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error {
		for i, it := range o.Items {
			if it.ItemID == itemID && it.Status == domain.ItemPending {
				o.Items = append(o.Items[:i], o.Items[i+1:]...)
				return nil
			}
		}
		return nil
	})
}

// RemoveItem cancels an item of an OPEN order, then releases its reservation.
// The item is cancelled first, in one update, so that a confirm racing the removal
// either wins before it (and the removal is refused) or no longer sees the item.
// Removing an item that is already CANCELED changes nothing in the order; it
// releases the reservation again (a no-op at the warehouse when it was released),
// which is how a removal whose release failed is finished.
func (s *Service) RemoveItem(ctx context.Context, orderID, itemID string) (domain.Order, error) {
	o, err := s.repo.UpdateOrder(ctx, orderID, func(o *domain.Order) error {
		it, err := o.CheckRemoveItem(itemID)
		if err != nil || it.Status == domain.ItemCanceled {
			return err
		}
		it.Status, o.UpdatedAt = domain.ItemCanceled, domain.Now()
		o.Recalculate()
		return nil
	})
	if err != nil {
		return domain.Order{}, err
	}
	if id := o.Item(itemID).ReservationID; id != "" {
		if _, err := s.ports.Reservations.CancelReservation(ctx, id); err != nil {
			return domain.Order{}, &domain.Error{Code: transientOr(err, domain.CodeBadGateway), Err: err, Message: fmt.Sprintf(
				"item %s is CANCELED, but releasing its stock failed (%s); remove it again to finish", itemID, domain.ErrorMessage(err))}
		}
	}
	return o, nil
}
