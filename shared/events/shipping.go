package events

import (
	"context"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/shipping"
)

// Shipping decorates a repository so that a shipment that ships publishes
// shipment.shipped through em in the transaction that ships it.
func Shipping(repo shipping.Repository, em messaging.Emitter) shipping.Repository {
	return &shippingRepo{Repository: repo, em: em}
}

type shippingRepo struct {
	shipping.Repository
	em messaging.Emitter
}

// ShipShipment ships the shipment and, when this call shipped it, publishes shipment.shipped.
func (r *shippingRepo) ShipShipment(ctx context.Context, id string, now time.Time) (domain.Shipment, bool, error) {
	var sh domain.Shipment
	var changed bool
	err := r.em.InTx(ctx, func(ctx context.Context) error {
		var err error
		if sh, changed, err = r.Repository.ShipShipment(ctx, id, now); err != nil || !changed {
			return err
		}
		ids := map[string]string{"shipmentId": sh.ShipmentID, "orderId": sh.OrderID}
		return r.em.Emit(ctx, messaging.ShipmentShipped, sh.ShipmentID, ids, sh)
	})
	return sh, changed, err
}
