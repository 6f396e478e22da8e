package ordering_test

import (
	"context"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

const (
	customerID = "11111111-1111-4111-8111-000000000001"
	productID  = "22222222-2222-4222-8222-000000000001"
)

var ctx = context.Background()

func newService(t *testing.T, w *world) (*ordering.Service, *memRepo) {
	t.Helper()
	repo := newRepo()
	s, err := ordering.New(repo, ordering.Ports{Customers: w, Catalog: w, Reservations: w, Shipping: w, Billing: w})
	if err != nil {
		t.Fatal(err)
	}
	return s, repo
}

func mustOrder(t *testing.T, s *ordering.Service) domain.Order {
	t.Helper()
	o, err := s.Create(ctx, domain.NewOrder{CustomerID: customerID})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestNew_requiresEveryPort(t *testing.T) {
	if _, err := ordering.New(newRepo(), ordering.Ports{}); err == nil {
		t.Error("got nil, want an error for missing ports")
	}
}

func TestService_Create(t *testing.T) {
	s, _ := newService(t, &world{})
	_, err := s.Create(ctx, domain.NewOrder{CustomerID: domain.NewID()})
	if domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("an unknown customer: got %v, want invalid", err)
	}
}

func TestService_AddItem(t *testing.T) {
	t.Run("records the reservation and its price", func(t *testing.T) {
		s, _ := newService(t, &world{price: 120})
		o := mustOrder(t, s)
		it, err := s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 2})
		if err != nil || it.Status != domain.ItemReserved || it.ReservationID == "" || it.UnitPrice != 120 {
			t.Fatalf("got %+v %v, want RESERVED at the reservation's price 120", it, err)
		}
		if got, _ := s.Order(ctx, o.OrderID); got.Total != 240 {
			t.Errorf("total: got %d, want 240", got.Total)
		}
	})
	t.Run("takes the item out again when the warehouse is unreachable", func(t *testing.T) {
		s, _ := newService(t, &world{reserveErr: domain.Errorf(domain.CodeTimeout, "warehouse did not answer in time")})
		o := mustOrder(t, s)
		_, err := s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 1})
		if domain.ErrorCode(err) != domain.CodeTimeout {
			t.Fatalf("got %v, want a timeout", err)
		}
		if got, _ := s.Order(ctx, o.OrderID); len(got.Items) != 0 {
			t.Errorf("items: got %+v, want none", got.Items)
		}
	})
	t.Run("refuses an unknown product as invalid", func(t *testing.T) {
		s, _ := newService(t, &world{})
		o := mustOrder(t, s)
		_, err := s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: domain.NewID(), Quantity: 1})
		if domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("got %v, want invalid", err)
		}
	})
}

func TestService_Confirm(t *testing.T) {
	w := &world{price: 100, billingErr: domain.Errorf(domain.CodeUnavailable, "billing is unavailable")}
	s, _ := newService(t, w)
	o := mustOrder(t, s)
	if _, err := s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Confirm(ctx, o.OrderID)
	if domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("confirm with billing down: got %v, want unavailable", err)
	}
	if got, _ := s.Order(ctx, o.OrderID); got.Status != domain.OrderShipped {
		t.Fatalf("got %s, want SHIPPED", got.Status)
	}
	w.billingErr = nil
	done, err := s.Confirm(ctx, o.OrderID)
	if err != nil || done.Status != domain.OrderCompleted {
		t.Fatalf("confirm again: got %s %v, want COMPLETED", done.Status, err)
	}
	if w.shipments != 1 || w.invoices != 1 {
		t.Errorf("got %d shipment calls and %d invoices, want 1 and 1 (a SHIPPED order resumes at billing)", w.shipments, w.invoices)
	}
	if _, err := s.Confirm(ctx, o.OrderID); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("confirm a completed order: got %v, want a conflict", err)
	}
}

func TestService_Cancel(t *testing.T) {
	w := &world{price: 100}
	s, _ := newService(t, w)
	o := mustOrder(t, s)
	it, _ := s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 1})
	w.cancelErr = domain.Errorf(domain.CodeUnavailable, "warehouse is unavailable")
	if _, err := s.Cancel(ctx, o.OrderID); err == nil {
		t.Fatal("cancel with the warehouse down: got nil, want an error")
	}
	if got, _ := s.Order(ctx, o.OrderID); got.Status != domain.OrderOpen {
		t.Fatalf("after a failed cancel: got %s, want OPEN", got.Status)
	}
	w.cancelErr = nil
	got, err := s.Cancel(ctx, o.OrderID)
	if err != nil || got.Status != domain.OrderCanceled || len(w.cancelled) != 1 || w.cancelled[0] != it.ReservationID {
		t.Errorf("cancel again: got %s %v, cancelled %v; want CANCELED and the reservation released", got.Status, err, w.cancelled)
	}
}

// TestService_Cancel_lostAnswer: the warehouse reserved but its answer was lost,
// so the order does not know the reservation; cancelling the order releases it.
func TestService_Cancel_lostAnswer(t *testing.T) {
	w := &world{price: 100, reserveErr: domain.Errorf(domain.CodeTimeout, "warehouse did not answer in time")}
	s, _ := newService(t, w)
	o := mustOrder(t, s)
	_, _ = s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 1})
	if w.held() != 1 {
		t.Fatalf("setup: got %d reservations holding stock, want the lost one", w.held())
	}
	if _, err := s.Cancel(ctx, o.OrderID); err != nil {
		t.Fatal(err)
	}
	if w.held() != 0 {
		t.Errorf("after cancel: %d reservations still hold stock, want 0", w.held())
	}
}

// TestService_Confirm_releasesOrphans: confirming releases a reservation the
// order does not know, instead of leaving its stock held for ever.
func TestService_Confirm_releasesOrphans(t *testing.T) {
	w := &world{price: 100, reserveErr: domain.Errorf(domain.CodeTimeout, "warehouse did not answer in time")}
	s, _ := newService(t, w)
	o := mustOrder(t, s)
	_, _ = s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 1})
	w.reserveErr = nil
	if _, err := s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	done, err := s.Confirm(ctx, o.OrderID)
	if err != nil || done.Status != domain.OrderCompleted {
		t.Fatalf("confirm: got %s %v", done.Status, err)
	}
	rs, _ := w.OrderReservations(ctx, o.OrderID)
	if len(rs) != 2 || rs[0].Status != domain.ReservationCanceled || rs[1].Status != domain.ReservationConfirmed {
		t.Errorf("reservations: got %+v, want the orphan CANCELED and the item's CONFIRMED", rs)
	}
}

// TestService_CancelRacesConfirm: a confirm that arrives while a cancel is
// releasing the stock is refused, and the order ends CANCELED with no stock held
// — not CONFIRMED with its reservation cancelled under it.
func TestService_CancelRacesConfirm(t *testing.T) {
	w := &world{price: 100}
	s, _ := newService(t, w)
	o := mustOrder(t, s)
	if _, err := s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	var confirmErr error
	w.onCancel = func() { _, confirmErr = s.Confirm(ctx, o.OrderID) } // the confirm lands mid-cancel
	if _, err := s.Cancel(ctx, o.OrderID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if domain.ErrorCode(confirmErr) != domain.CodeConflict {
		t.Errorf("the confirm during the cancel: got %v, want a conflict", confirmErr)
	}
	got, _ := s.Order(ctx, o.OrderID)
	if got.Status != domain.OrderCanceled || w.held() != 0 {
		t.Errorf("got order %s with %d reservations holding stock, want CANCELED and 0", got.Status, w.held())
	}
}

// TestService_RemoveItem: the item is cancelled and its stock released; when
// the release fails, removing it again finishes the job.
func TestService_RemoveItem(t *testing.T) {
	w := &world{price: 100}
	s, _ := newService(t, w)
	o := mustOrder(t, s)
	it, _ := s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 1})
	w.cancelErr = domain.Errorf(domain.CodeUnavailable, "warehouse is unavailable")
	if _, err := s.RemoveItem(ctx, o.OrderID, it.ItemID); domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("remove with the warehouse down: got %v, want unavailable", err)
	}
	if got, _ := s.Order(ctx, o.OrderID); got.Items[0].Status != domain.ItemCanceled {
		t.Errorf("item after a failed release: got %s, want CANCELED", got.Items[0].Status)
	}
	w.cancelErr = nil
	if _, err := s.RemoveItem(ctx, o.OrderID, it.ItemID); err != nil || w.held() != 0 {
		t.Errorf("remove again: got %v with %d reservations holding stock, want nil and 0", err, w.held())
	}
}
