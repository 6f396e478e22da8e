package ordering_test

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

// memRepo keeps orders in memory.
type memRepo struct {
	mu     sync.Mutex
	orders map[string]domain.Order
	onList func() // runs once, after the first Orders has taken its list
}

func newRepo() *memRepo { return &memRepo{orders: map[string]domain.Order{}} }

func (r *memRepo) CreateOrder(_ context.Context, o domain.Order) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.orders[o.OrderID] = clone(o)
	return nil
}

func (r *memRepo) Order(_ context.Context, id string) (domain.Order, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.orders[id]
	if !ok {
		return domain.Order{}, domain.Errorf(domain.CodeNotFound, "no order %s", id)
	}
	return clone(o), nil
}

func (r *memRepo) Orders(_ context.Context, customerID string, status domain.OrderStatus, _ domain.Page) ([]domain.Order, error) {
	r.mu.Lock()
	var list []domain.Order
	for _, o := range r.orders {
		if (customerID == "" || o.CustomerID == customerID) && (status == "" || o.Status == status) {
			list = append(list, clone(o))
		}
	}
	hook := r.onList
	r.onList = nil
	r.mu.Unlock()
	if hook != nil {
		hook()
	}
	return list, nil
}

func (r *memRepo) UpdateOrder(_ context.Context, id string, fn func(*domain.Order) error) (domain.Order, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.orders[id]
	if !ok {
		return domain.Order{}, domain.Errorf(domain.CodeNotFound, "no order %s", id)
	}
	o = clone(o)
	if err := fn(&o); err != nil {
		return domain.Order{}, err
	}
	r.orders[id] = clone(o)
	return o, nil
}

func clone(o domain.Order) domain.Order {
	o.Items = slices.Clone(o.Items)
	return o
}

// world fakes the other services; a non-nil error field makes that call fail.
type world struct {
	mu                     sync.Mutex
	reserveErr, billingErr error
	cancelErr              error
	price                  int64
	shipments, invoices    int
	cancelled              []string
	reservations           []domain.Reservation // in the order they were made
	onCancel               func()               // runs once, inside the first CancelReservation
	// onReserve runs once, inside the first Reserve, after the warehouse has
	// stored the reservation and before ordering hears of it.
	onReserve func(domain.Reservation)
}

func (w *world) Customer(_ context.Context, id string) (domain.Customer, error) {
	if id != customerID {
		return domain.Customer{}, domain.Errorf(domain.CodeNotFound, "no customer")
	}
	return domain.Customer{CustomerID: id}, nil
}

func (w *world) Product(_ context.Context, id string) (domain.Product, error) {
	if id != productID {
		return domain.Product{}, domain.Errorf(domain.CodeNotFound, "no product")
	}
	return domain.Product{ProductID: id, Price: 100}, nil
}

func (w *world) Reserve(_ context.Context, req domain.ReservationRequest) (domain.Reservation, error) {
	r, err := w.reserve(req)
	w.mu.Lock()
	hook := w.onReserve
	w.onReserve = nil
	w.mu.Unlock()
	if hook != nil {
		hook(r)
	}
	return r, err
}

func (w *world) reserve(req domain.ReservationRequest) (domain.Reservation, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.reservations {
		if r.ItemID == req.ItemID { // idempotent on the item, as the warehouse is
			return r, w.reserveErr
		}
	}
	r := domain.Reservation{ReservationID: "res-" + req.ItemID, OrderID: req.OrderID, ItemID: req.ItemID,
		Status: domain.ReservationReserved, UnitPrice: w.price, Quantity: req.Quantity}
	w.reservations = append(w.reservations, r)
	// A lost answer: the warehouse reserved, but ordering only sees the error.
	return r, w.reserveErr
}

func (w *world) OrderReservations(_ context.Context, orderID string) ([]domain.Reservation, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var rs []domain.Reservation
	for _, r := range w.reservations {
		if r.OrderID == orderID {
			rs = append(rs, r)
		}
	}
	return rs, nil
}

// held counts the reservations that still hold stock.
func (w *world) held() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, r := range w.reservations {
		if r.HoldsStock() {
			n++
		}
	}
	return n
}

func (w *world) ConfirmReservation(_ context.Context, id string) (domain.Reservation, error) {
	return w.move(id, domain.ReservationConfirmed)
}

// move applies the domain's transition to the stored reservation.
func (w *world) move(id string, to domain.ReservationStatus) (domain.Reservation, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.reservations {
		if w.reservations[i].ReservationID == id {
			_, _, err := w.reservations[i].Transition(to, time.Now())
			return w.reservations[i], err
		}
	}
	return domain.Reservation{}, domain.Errorf(domain.CodeNotFound, "no reservation %s", id)
}

func (w *world) CancelReservation(_ context.Context, id string) (domain.Reservation, error) {
	w.mu.Lock()
	if w.cancelErr != nil {
		w.mu.Unlock()
		return domain.Reservation{}, w.cancelErr
	}
	w.cancelled = append(w.cancelled, id)
	hook := w.onCancel
	w.onCancel = nil
	w.mu.Unlock()
	if hook != nil {
		hook()
	}
	return w.move(id, domain.ReservationCanceled)
}

func (w *world) CreateShipment(_ context.Context, orderID string) (domain.Shipment, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.shipments++
	return domain.Shipment{OrderID: orderID, Status: domain.ShipmentShipped}, nil
}

func (w *world) CreateInvoice(_ context.Context, orderID string) (domain.Invoice, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.billingErr != nil {
		return domain.Invoice{}, w.billingErr
	}
	w.invoices++
	return domain.Invoice{OrderID: orderID, Status: domain.InvoiceIssued}, nil
}
