package shipping_test

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/microservice-patterns/lab/shared/services/servicetest"

	"github.com/microservice-patterns/lab/shared/domain"
)

// memRepo keeps shipments in memory, one per order; err, when set, makes every call fail with it.
type memRepo struct {
	mu        sync.Mutex
	shipments []domain.Shipment
	err       error
	ships     int
}

func (r *memRepo) CreateShipment(_ context.Context, s domain.Shipment) (domain.Shipment, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return domain.Shipment{}, false, r.err
	}
	if i := slices.IndexFunc(r.shipments, func(have domain.Shipment) bool { return have.OrderID == s.OrderID }); i >= 0 {
		return r.shipments[i], false, nil
	}
	r.shipments = append(r.shipments, s)
	return s, true, nil
}

func (r *memRepo) Shipment(_ context.Context, id string) (domain.Shipment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := r.index(id); i >= 0 {
		return r.shipments[i], nil
	}
	return domain.Shipment{}, domain.Errorf(domain.CodeNotFound, "no shipment %s", id)
}

func (r *memRepo) index(id string) int {
	return slices.IndexFunc(r.shipments, func(s domain.Shipment) bool { return s.ShipmentID == id })
}

func (r *memRepo) Shipments(_ context.Context, orderID string, _ domain.Page) ([]domain.Shipment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	var list []domain.Shipment
	for _, s := range slices.Backward(r.shipments) {
		if orderID == "" || s.OrderID == orderID {
			list = append(list, s)
		}
	}
	return list, nil
}

func (r *memRepo) ShipShipment(_ context.Context, id string, now time.Time) (domain.Shipment, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return domain.Shipment{}, false, r.err
	}
	i := r.index(id)
	if i < 0 {
		return domain.Shipment{}, false, domain.Errorf(domain.CodeNotFound, "no shipment %s", id)
	}
	changed := r.shipments[i].Ship(now)
	if changed {
		r.ships++
	}
	return r.shipments[i], changed, nil
}

func (r *memRepo) PendingShipments(context.Context) ([]domain.Shipment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	var list []domain.Shipment
	for _, s := range r.shipments {
		if s.Status == domain.ShipmentPending {
			list = append(list, s)
		}
	}
	return list, nil
}

// add stores a shipment as it is.
func (r *memRepo) add(s domain.Shipment) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shipments = append(r.shipments, s)
}

func (r *memRepo) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.shipments)
}

// world fakes the ordering and customers services.
type world = servicetest.Neighbours
