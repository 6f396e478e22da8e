package warehouse_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

// transition records one call of TransitionReservation.
type transition struct {
	id string
	to domain.ReservationStatus
}

// memRepo keeps products and reservations in memory. err, when set, makes every
// call fail with it; reserveCalls and transitions record what the service asked for.
type memRepo struct {
	mu           sync.Mutex
	products     []domain.Product
	reservations []domain.Reservation
	err          error
	reserveCalls int
	transitions  []transition
}

func (r *memRepo) CreateProduct(_ context.Context, p domain.Product) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	if slices.ContainsFunc(r.products, func(have domain.Product) bool { return have.Code == p.Code }) {
		return domain.Errorf(domain.CodeConflict, "the code %s is taken", p.Code)
	}
	r.products = append(r.products, p)
	return nil
}

func (r *memRepo) Product(_ context.Context, id string) (domain.Product, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := r.productIndex(id); i >= 0 {
		return r.products[i], nil
	}
	return domain.Product{}, domain.Errorf(domain.CodeNotFound, "no product %s", id)
}

func (r *memRepo) productIndex(id string) int {
	return slices.IndexFunc(r.products, func(p domain.Product) bool { return p.ProductID == id })
}

func (r *memRepo) Products(_ context.Context, code string, _ domain.Page) ([]domain.Product, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var list []domain.Product
	for _, p := range r.products {
		if code == "" || p.Code == code {
			list = append(list, p)
		}
	}
	return list, nil
}

func (r *memRepo) SeedProducts(_ context.Context, ps []domain.Product) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range ps {
		if r.productIndex(p.ProductID) < 0 {
			r.products = append(r.products, p)
		}
	}
	return nil
}

func (r *memRepo) Reserve(_ context.Context, req domain.ReservationRequest, id string, now time.Time) (domain.Reservation, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reserveCalls++
	if r.err != nil {
		return domain.Reservation{}, false, r.err
	}
	if i := slices.IndexFunc(r.reservations, func(have domain.Reservation) bool { return have.ItemID == req.ItemID }); i >= 0 {
		return r.reservations[i], false, nil
	}
	i := r.productIndex(req.ProductID)
	if i < 0 {
		return domain.Reservation{}, false, domain.Errorf(domain.CodeNotFound, "no product %s", req.ProductID)
	}
	p := &r.products[i]
	res := domain.Reservation{ReservationID: id, OrderID: req.OrderID, ItemID: req.ItemID, ProductID: req.ProductID,
		Quantity: req.Quantity, UnitPrice: p.Price, Currency: p.Currency, Status: domain.ReservationReserved, CreatedAt: now, UpdatedAt: now}
	if p.Stock < req.Quantity {
		res.Status, res.Reason = domain.ReservationRejected, fmt.Sprintf("only %d in stock", p.Stock)
	} else {
		p.Stock -= req.Quantity
	}
	r.reservations = append(r.reservations, res)
	return res, true, nil
}

func (r *memRepo) Reservation(_ context.Context, id string) (domain.Reservation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := r.reservationIndex(id); i >= 0 {
		return r.reservations[i], nil
	}
	return domain.Reservation{}, domain.Errorf(domain.CodeNotFound, "no reservation %s", id)
}

func (r *memRepo) reservationIndex(id string) int {
	return slices.IndexFunc(r.reservations, func(res domain.Reservation) bool { return res.ReservationID == id })
}

func (r *memRepo) Reservations(_ context.Context, orderID string, _ domain.Page) ([]domain.Reservation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	var list []domain.Reservation
	for _, res := range slices.Backward(r.reservations) {
		if orderID == "" || res.OrderID == orderID {
			list = append(list, res)
		}
	}
	return list, nil
}

func (r *memRepo) TransitionReservation(_ context.Context, id string, to domain.ReservationStatus, now time.Time) (domain.Reservation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.transitions = append(r.transitions, transition{id: id, to: to})
	if r.err != nil {
		return domain.Reservation{}, r.err
	}
	i := r.reservationIndex(id)
	if i < 0 {
		return domain.Reservation{}, domain.Errorf(domain.CodeNotFound, "no reservation %s", id)
	}
	res := r.reservations[i]
	_, releases, err := res.Transition(to, now)
	if err != nil {
		return domain.Reservation{}, err
	}
	if releases {
		r.products[r.productIndex(res.ProductID)].Stock += res.Quantity
	}
	r.reservations[i] = res
	return res, nil
}

// add stores a reservation as it is, taking no stock.
func (r *memRepo) add(res domain.Reservation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reservations = append(r.reservations, res)
}

func (r *memRepo) stock(productID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.products[r.productIndex(productID)].Stock
}

func (r *memRepo) moves() []transition {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.transitions)
}
