package ordering_test

import (
	"context"
	"slices"
	"sync"

	"github.com/microservice-patterns/lab/shared/domain"
)

// memRepo keeps orders in memory.
type memRepo struct {
	mu     sync.Mutex
	orders map[string]domain.Order
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

func (r *memRepo) Orders(context.Context, string, domain.OrderStatus) ([]domain.Order, error) {
	return nil, nil
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
	if w.reserveErr != nil {
		return domain.Reservation{}, w.reserveErr
	}
	return domain.Reservation{ReservationID: "res-" + req.ItemID, ItemID: req.ItemID, Status: domain.ReservationReserved,
		UnitPrice: w.price, Quantity: req.Quantity}, nil
}

func (w *world) ConfirmReservation(_ context.Context, id string) (domain.Reservation, error) {
	return domain.Reservation{ReservationID: id, Status: domain.ReservationConfirmed}, nil
}

func (w *world) CancelReservation(_ context.Context, id string) (domain.Reservation, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancelErr != nil {
		return domain.Reservation{}, w.cancelErr
	}
	w.cancelled = append(w.cancelled, id)
	return domain.Reservation{ReservationID: id, Status: domain.ReservationCanceled}, nil
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
