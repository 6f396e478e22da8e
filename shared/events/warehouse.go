package events

import (
	"context"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// Warehouse decorates a repository so that every change publishes its events
// through em, in the transaction of the change: reservation.changed when a
// reservation is created or changes state, product.changed when a product is
// created or its stock changes. Seeding announces every product (see
// SeedProducts), which is how copies of the catalogue elsewhere fill and refill.
func Warehouse(repo warehouse.Repository, em messaging.Emitter) warehouse.Repository {
	return &warehouseRepo{Repository: repo, em: em}
}

type warehouseRepo struct {
	warehouse.Repository
	em messaging.Emitter
}

// CreateProduct stores the product and publishes product.changed.
func (r *warehouseRepo) CreateProduct(ctx context.Context, p domain.Product) error {
	return r.em.InTx(ctx, func(ctx context.Context) error {
		if err := r.Repository.CreateProduct(ctx, p); err != nil {
			return err
		}
		return r.productChanged(ctx, p.ProductID)
	})
}

// SeedProducts stores the missing seed products and then publishes
// product.changed for every product there is. A service seeds at each start,
// so each start replays the catalogue: a consumer's copy, even one deleted and
// rebuilt empty, fills up from the replay, and upserting makes repeats harmless.
func (r *warehouseRepo) SeedProducts(ctx context.Context, ps []domain.Product) error {
	return r.em.InTx(ctx, func(ctx context.Context) error {
		if err := r.Repository.SeedProducts(ctx, ps); err != nil {
			return err
		}
		all, err := r.Repository.Products(ctx, "", domain.Page{})
		if err != nil {
			return err
		}
		for _, p := range all {
			if err := r.emitProduct(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reserve reserves and, when it created a reservation, publishes
// reservation.changed, and product.changed when it took stock.
func (r *warehouseRepo) Reserve(ctx context.Context, req domain.ReservationRequest, id string, now time.Time) (domain.Reservation, bool, error) {
	var res domain.Reservation
	var created bool
	err := r.em.InTx(ctx, func(ctx context.Context) error {
		var err error
		if res, created, err = r.Repository.Reserve(ctx, req, id, now); err != nil || !created {
			return err
		}
		return r.reservationChanged(ctx, res, res.Status == domain.ReservationReserved)
	})
	return res, created, err
}

// TransitionReservation moves the reservation and, when it moved, publishes
// reservation.changed, and product.changed when stock returned.
func (r *warehouseRepo) TransitionReservation(ctx context.Context, id string, to domain.ReservationStatus, now time.Time) (domain.Reservation, error) {
	var res domain.Reservation
	err := r.em.InTx(ctx, func(ctx context.Context) error {
		before, err := r.Repository.Reservation(ctx, id)
		if err != nil {
			return err
		}
		if res, err = r.Repository.TransitionReservation(ctx, id, to, now); err != nil || res.Status == before.Status {
			return err
		}
		return r.reservationChanged(ctx, res, before.HoldsStock() && !res.HoldsStock())
	})
	return res, err
}

func (r *warehouseRepo) reservationChanged(ctx context.Context, res domain.Reservation, stockMoved bool) error {
	ids := map[string]string{"reservationId": res.ReservationID, "orderId": res.OrderID, "itemId": res.ItemID}
	if err := r.em.Emit(ctx, messaging.ReservationChanged, res.ReservationID, ids, res); err != nil {
		return err
	}
	if !stockMoved {
		return nil
	}
	return r.productChanged(ctx, res.ProductID)
}

func (r *warehouseRepo) productChanged(ctx context.Context, productID string) error {
	p, err := r.Repository.Product(ctx, productID)
	if err != nil {
		return err
	}
	return r.emitProduct(ctx, p)
}

func (r *warehouseRepo) emitProduct(ctx context.Context, p domain.Product) error {
	return r.em.Emit(ctx, messaging.ProductChanged, p.ProductID, map[string]string{"productId": p.ProductID}, p)
}
