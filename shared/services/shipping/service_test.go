package shipping_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/shipping"
)

var ctx = context.Background()

const (
	customerID = "11111111-1111-4111-8111-000000000001"
	address    = "12 St James's Square, London"
	productA   = "22222222-2222-4222-8222-000000000001"
	productB   = "22222222-2222-4222-8222-000000000002"
	productC   = "22222222-2222-4222-8222-000000000003"
)

// order returns an order in status with one item in each item state; only productA and productC are RESERVED.
func order(status domain.OrderStatus) domain.Order {
	return domain.Order{OrderID: domain.NewID(), CustomerID: customerID, Status: status, Currency: domain.Currency, Total: 2*100 + 4*300,
		Items: []domain.OrderItem{
			{ItemID: domain.NewID(), ProductID: productA, Quantity: 2, UnitPrice: 100, Status: domain.ItemReserved},
			{ItemID: domain.NewID(), ProductID: productB, Quantity: 1, UnitPrice: 200, Status: domain.ItemRejected},
			{ItemID: domain.NewID(), ProductID: productC, Quantity: 4, UnitPrice: 300, Status: domain.ItemReserved},
			{ItemID: domain.NewID(), ProductID: productB, Quantity: 5, UnitPrice: 200, Status: domain.ItemCanceled},
			{ItemID: domain.NewID(), ProductID: productB, Quantity: 6, UnitPrice: 200, Status: domain.ItemPending},
		}}
}

// newWorld returns a world that knows the customer and the orders.
func newWorld(orders ...domain.Order) *world {
	w := &world{Orders: map[string]domain.Order{},
		Customers: map[string]domain.Customer{customerID: {CustomerID: customerID, Name: "Ada Lovelace", Address: address}}}
	for _, o := range orders {
		w.Orders[o.OrderID] = o
	}
	return w
}

var reservedItems = []domain.ShipmentItem{{ProductID: productA, Quantity: 2}, {ProductID: productC, Quantity: 4}}

func TestService_Create(t *testing.T) {
	for _, status := range []domain.OrderStatus{domain.OrderConfirmed, domain.OrderShipped, domain.OrderCompleted} {
		t.Run("ships a "+string(status)+" order's reserved items to the customer's address", func(t *testing.T) {
			o := order(status)
			repo := &memRepo{}
			got, created, err := shipping.New(repo, newWorld(o), newWorld(), 0).Create(ctx, domain.OrderRef{OrderID: o.OrderID})
			if err != nil || !created {
				t.Fatalf("got created=%v %v, want created", created, err)
			}
			if got.OrderID != o.OrderID || got.CustomerID != customerID || got.Address != address || !domain.ValidID(got.ShipmentID) {
				t.Errorf("got %+v, want the order's shipment to %q", got, address)
			}
			if !slices.Equal(got.Items, reservedItems) {
				t.Errorf("items: got %+v, want %+v", got.Items, reservedItems)
			}
			if got.Status != domain.ShipmentShipped || got.ShippedAt == nil {
				t.Errorf("status: got %s shippedAt=%v, want SHIPPED with a time", got.Status, got.ShippedAt)
			}
		})
	}

	for _, status := range []domain.OrderStatus{domain.OrderOpen, domain.OrderCanceled} {
		t.Run("refuses a "+string(status)+" order with a conflict", func(t *testing.T) {
			o := order(status)
			repo := &memRepo{}
			_, created, err := shipping.New(repo, newWorld(o), newWorld(), 0).Create(ctx, domain.OrderRef{OrderID: o.OrderID})
			if got := domain.ErrorCode(err); got != domain.CodeConflict || created {
				t.Errorf("got %q created=%v, want %q", got, created, domain.CodeConflict)
			}
			if n := repo.count(); n != 0 {
				t.Errorf("stored: got %d shipments, want 0", n)
			}
		})
	}

	t.Run("maps an unknown order to invalid on orderId", func(t *testing.T) {
		_, _, err := shipping.New(&memRepo{}, newWorld(), newWorld(), 0).Create(ctx, domain.OrderRef{OrderID: domain.NewID()})
		assertInvalidField(t, err, "orderId")
	})
	t.Run("refuses a malformed order id without asking ordering", func(t *testing.T) {
		w := newWorld()
		_, _, err := shipping.New(&memRepo{}, w, w, 0).Create(ctx, domain.OrderRef{OrderID: "42"})
		assertInvalidField(t, err, "orderId")
		if w.OrderCalls() != 0 {
			t.Errorf("order calls: got %d, want 0", w.OrderCalls())
		}
	})
	t.Run("keeps the code of an unreachable ordering service", func(t *testing.T) {
		o := order(domain.OrderConfirmed)
		w := newWorld(o)
		w.OrderErr = domain.Errorf(domain.CodeUnavailable, "ordering is unavailable")
		_, _, err := shipping.New(&memRepo{}, w, w, 0).Create(ctx, domain.OrderRef{OrderID: o.OrderID})
		if !errors.Is(err, w.OrderErr) {
			t.Errorf("got %v, want it to wrap %v", err, w.OrderErr)
		}
	})
	t.Run("keeps the code of an unreachable customers service", func(t *testing.T) {
		o := order(domain.OrderConfirmed)
		w := newWorld(o)
		w.CustomerErr = domain.Errorf(domain.CodeTimeout, "customers did not answer in time")
		repo := &memRepo{}
		_, _, err := shipping.New(repo, w, w, 0).Create(ctx, domain.OrderRef{OrderID: o.OrderID})
		if got := domain.ErrorCode(err); got != domain.CodeTimeout {
			t.Errorf("code: got %q, want %q", got, domain.CodeTimeout)
		}
		if n := repo.count(); n != 0 {
			t.Errorf("stored: got %d shipments, want 0", n)
		}
	})
	t.Run("answers the existing shipment, not created, when repeated", func(t *testing.T) {
		o := order(domain.OrderConfirmed)
		repo := &memRepo{}
		s := shipping.New(repo, newWorld(o), newWorld(), 0)
		first, _, err := s.Create(ctx, domain.OrderRef{OrderID: o.OrderID})
		if err != nil {
			t.Fatal(err)
		}
		again, created, err := s.Create(ctx, domain.OrderRef{OrderID: o.OrderID})
		if err != nil || created {
			t.Fatalf("got created=%v %v, want not created", created, err)
		}
		if again.ShipmentID != first.ShipmentID || repo.count() != 1 {
			t.Errorf("got %s among %d shipments, want the one shipment %s", again.ShipmentID, repo.count(), first.ShipmentID)
		}
	})
	t.Run("ships an existing PENDING shipment", func(t *testing.T) {
		o := order(domain.OrderConfirmed)
		repo := &memRepo{}
		pending := shipping.NewShipment(o, address)
		repo.add(pending)
		got, created, err := shipping.New(repo, newWorld(o), newWorld(), 0).Create(ctx, domain.OrderRef{OrderID: o.OrderID})
		if err != nil || created {
			t.Fatalf("got created=%v %v, want not created", created, err)
		}
		if got.ShipmentID != pending.ShipmentID || got.Status != domain.ShipmentShipped {
			t.Errorf("got %s %s, want %s SHIPPED", got.ShipmentID, got.Status, pending.ShipmentID)
		}
	})
	t.Run("ships after the delay", func(t *testing.T) {
		o := order(domain.OrderConfirmed)
		got, _, err := shipping.New(&memRepo{}, newWorld(o), newWorld(), 10*time.Millisecond).Create(ctx, domain.OrderRef{OrderID: o.OrderID})
		if err != nil || got.Status != domain.ShipmentShipped {
			t.Errorf("got %s %v, want SHIPPED", got.Status, err)
		}
	})
}

func TestService_Ship(t *testing.T) {
	t.Run("ships a PENDING shipment once the delay has passed", func(t *testing.T) {
		repo := &memRepo{}
		sh := shipping.NewShipment(order(domain.OrderConfirmed), address)
		repo.add(sh)
		got, err := shipping.New(repo, newWorld(), newWorld(), 10*time.Millisecond).Ship(ctx, sh)
		if err != nil || got.Status != domain.ShipmentShipped {
			t.Fatalf("got %s %v, want SHIPPED", got.Status, err)
		}
		if stored, _ := repo.Shipment(ctx, sh.ShipmentID); stored.Status != domain.ShipmentShipped {
			t.Errorf("stored: got %s, want SHIPPED", stored.Status)
		}
	})
	t.Run("answers a timeout when the context ends first", func(t *testing.T) {
		repo := &memRepo{}
		sh := shipping.NewShipment(order(domain.OrderConfirmed), address)
		repo.add(sh)
		c, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		_, err := shipping.New(repo, newWorld(), newWorld(), time.Hour).Ship(c, sh)
		if got := domain.ErrorCode(err); got != domain.CodeTimeout {
			t.Errorf("code: got %q (%v), want %q", got, err, domain.CodeTimeout)
		}
		if stored, _ := repo.Shipment(ctx, sh.ShipmentID); stored.Status != domain.ShipmentPending {
			t.Errorf("stored: got %s, want PENDING", stored.Status)
		}
	})
	t.Run("answers a shipped shipment as it is", func(t *testing.T) {
		repo := &memRepo{err: errors.New("the repository must not be called")}
		sh := shipping.NewShipment(order(domain.OrderConfirmed), address)
		sh.Ship(time.Now().UTC())
		got, err := shipping.New(repo, newWorld(), newWorld(), time.Hour).Ship(ctx, sh)
		if err != nil || got.ShipmentID != sh.ShipmentID || got.Status != domain.ShipmentShipped {
			t.Errorf("got %+v %v, want the shipment unchanged", got, err)
		}
	})
}

func TestNewShipment(t *testing.T) {
	t.Run("holds the RESERVED items only", func(t *testing.T) {
		got := shipping.NewShipment(order(domain.OrderConfirmed), address)
		if !slices.Equal(got.Items, reservedItems) || got.Status != domain.ShipmentPending || got.Address != address {
			t.Errorf("got %+v, want PENDING to %q with %+v", got, address, reservedItems)
		}
	})
	t.Run("holds an empty list, not nil, without reserved items", func(t *testing.T) {
		got := shipping.NewShipment(domain.Order{OrderID: domain.NewID(), CustomerID: customerID}, address)
		if got.Items == nil || len(got.Items) != 0 {
			t.Errorf("items: got %#v, want an empty slice", got.Items)
		}
	})
}

func assertInvalidField(t *testing.T, err error, field string) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid {
		t.Fatalf("got %v, want an invalid error", err)
	}
	for _, f := range de.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("fields: got %+v, want one naming %q", de.Fields, field)
}
