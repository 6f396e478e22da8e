package shipping

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/periodic"
)

// The shipping service's part of the choreography: when an order is confirmed
// it ships, and a due shipment ships on its own. Where the order and the
// address come from (an HTTP call back, or the event and a local copy) is the
// variant's business.

// ShipOrder creates the shipment of a confirmed order to address (idempotent
// on the order) and ships it at once when the service has no delay; otherwise
// ShipDue ships it once the delay has passed.
func (s *Service) ShipOrder(ctx context.Context, o domain.Order, address string) (domain.Shipment, error) {
	if o.Status == domain.OrderOpen || o.Status == domain.OrderCanceled {
		return domain.Shipment{}, domain.Errorf(domain.CodeConflict, "order %s is %s: only a confirmed order ships", o.OrderID, o.Status)
	}
	sh, _, err := s.repo.CreateShipment(ctx, NewShipment(o, address))
	if err != nil {
		return domain.Shipment{}, fmt.Errorf("create shipment of order %s: %w", o.OrderID, err)
	}
	if s.delay > 0 || sh.Status == domain.ShipmentShipped {
		return sh, nil
	}
	sh, _, err = s.repo.ShipShipment(ctx, sh.ShipmentID, domain.Now())
	return sh, err
}

// ShipDue ships every PENDING shipment whose delay has passed and answers how
// many it shipped.
func (s *Service) ShipDue(ctx context.Context) (int, error) {
	pending, err := s.repo.PendingShipments(ctx)
	if err != nil {
		return 0, err
	}
	shipped := 0
	for _, sh := range pending {
		if time.Until(sh.CreatedAt.Add(s.delay)) > 0 {
			continue
		}
		if _, changed, err := s.repo.ShipShipment(ctx, sh.ShipmentID, domain.Now()); err != nil {
			return shipped, err
		} else if changed {
			shipped++
		}
	}
	return shipped, nil
}

// Delay is how long a shipment waits before it ships.
func (s *Service) Delay() time.Duration { return s.delay }

// StartShipper runs ShipDue at once and then every interval until the
// returned stop is called: the synchronous variants ship within the request
// that creates a shipment, so a request that died during the delay leaves a
// PENDING shipment that only this ships. An interval of 0 starts nothing.
func (s *Service) StartShipper(interval time.Duration, log *slog.Logger) (stop func()) {
	return periodic.Start(interval, func(ctx context.Context) {
		if n, err := s.ShipDue(ctx); err != nil && ctx.Err() == nil {
			log.Warn("ship due shipments", "error", err)
		} else if n > 0 {
			log.Info("shipped shipments left pending", "shipped", n)
		}
	})
}
