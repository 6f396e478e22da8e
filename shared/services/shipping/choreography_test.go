package shipping_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/shipping"
)

func TestService_ShipOrder(t *testing.T) {
	t.Run("creates and ships at once without a delay", func(t *testing.T) {
		o := order(domain.OrderConfirmed)
		repo := &memRepo{}
		got, err := shipping.New(repo, newWorld(), newWorld(), 0).ShipOrder(ctx, o, address)
		if err != nil || got.Status != domain.ShipmentShipped || got.Address != address {
			t.Fatalf("got %+v %v, want SHIPPED to %q", got, err, address)
		}
		if got.OrderID != o.OrderID || len(got.Items) != len(reservedItems) {
			t.Errorf("got %+v, want the order's %d reserved items", got, len(reservedItems))
		}
	})
	t.Run("leaves the shipment PENDING when there is a delay", func(t *testing.T) {
		repo := &memRepo{}
		got, err := shipping.New(repo, newWorld(), newWorld(), time.Hour).ShipOrder(ctx, order(domain.OrderConfirmed), address)
		if err != nil || got.Status != domain.ShipmentPending {
			t.Errorf("got %s %v, want PENDING", got.Status, err)
		}
	})
	t.Run("answers the order's one shipment when repeated", func(t *testing.T) {
		o := order(domain.OrderConfirmed)
		repo := &memRepo{}
		s := shipping.New(repo, newWorld(), newWorld(), 0)
		first, err := s.ShipOrder(ctx, o, address)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.ShipOrder(ctx, o, address)
		if err != nil || again.ShipmentID != first.ShipmentID {
			t.Errorf("got %s %v, want %s", again.ShipmentID, err, first.ShipmentID)
		}
		if repo.count() != 1 || repo.ships != 1 {
			t.Errorf("got %d shipments shipped %d times, want 1 shipped once", repo.count(), repo.ships)
		}
	})
	for _, status := range []domain.OrderStatus{domain.OrderOpen, domain.OrderCanceled} {
		t.Run("refuses a "+string(status)+" order with a conflict", func(t *testing.T) {
			repo := &memRepo{}
			_, err := shipping.New(repo, newWorld(), newWorld(), 0).ShipOrder(ctx, order(status), address)
			if got := domain.ErrorCode(err); got != domain.CodeConflict {
				t.Errorf("code: got %q, want %q", got, domain.CodeConflict)
			}
			if n := repo.count(); n != 0 {
				t.Errorf("stored: got %d shipments, want 0", n)
			}
		})
	}
	t.Run("keeps the code of a repository error", func(t *testing.T) {
		repo := &memRepo{err: domain.Errorf(domain.CodeUnavailable, "database is down")}
		_, err := shipping.New(repo, newWorld(), newWorld(), 0).ShipOrder(ctx, order(domain.OrderConfirmed), address)
		if got := domain.ErrorCode(err); got != domain.CodeUnavailable {
			t.Errorf("code: got %q, want %q", got, domain.CodeUnavailable)
		}
	})
}

func TestService_ShipDue(t *testing.T) {
	t.Run("ships the PENDING shipments whose delay has passed", func(t *testing.T) {
		repo := &memRepo{}
		due := shipping.NewShipment(order(domain.OrderConfirmed), address)
		due.CreatedAt = due.CreatedAt.Add(-2 * time.Minute)
		young := shipping.NewShipment(order(domain.OrderConfirmed), address)
		shipped := shipping.NewShipment(order(domain.OrderConfirmed), address)
		shipped.CreatedAt = shipped.CreatedAt.Add(-2 * time.Minute)
		shipped.Ship(time.Now().UTC())
		for _, sh := range []domain.Shipment{due, young, shipped} {
			repo.add(sh)
		}
		n, err := shipping.New(repo, newWorld(), newWorld(), time.Minute).ShipDue(ctx)
		if err != nil || n != 1 {
			t.Fatalf("got %d %v, want 1 shipped", n, err)
		}
		for _, tc := range []struct {
			name string
			id   string
			want domain.ShipmentStatus
		}{{"due", due.ShipmentID, domain.ShipmentShipped}, {"young", young.ShipmentID, domain.ShipmentPending}} {
			if got, _ := repo.Shipment(ctx, tc.id); got.Status != tc.want {
				t.Errorf("%s shipment: got %s, want %s", tc.name, got.Status, tc.want)
			}
		}
	})
	t.Run("ships nothing twice", func(t *testing.T) {
		repo := &memRepo{}
		repo.add(shipping.NewShipment(order(domain.OrderConfirmed), address))
		s := shipping.New(repo, newWorld(), newWorld(), 0)
		if n, err := s.ShipDue(ctx); err != nil || n != 1 {
			t.Fatalf("first: got %d %v, want 1", n, err)
		}
		if n, err := s.ShipDue(ctx); err != nil || n != 0 {
			t.Errorf("second: got %d %v, want 0", n, err)
		}
	})
}

// The synchronous variants' shipper ships, at start, a shipment whose request died during the delay.
func TestService_StartShipper(t *testing.T) {
	repo := &memRepo{}
	left := shipping.NewShipment(order(domain.OrderConfirmed), address)
	repo.add(left)
	s := shipping.New(repo, newWorld(), newWorld(), 0)
	stop := s.StartShipper(time.Hour, slog.New(slog.DiscardHandler))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ := repo.Shipment(ctx, left.ShipmentID); got.Status == domain.ShipmentShipped {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if got, _ := repo.Shipment(ctx, left.ShipmentID); got.Status != domain.ShipmentShipped {
		t.Errorf("the shipment left PENDING is %s, want SHIPPED", got.Status)
	}
	s.StartShipper(0, nil)() // 0 starts nothing
}
