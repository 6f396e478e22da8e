package ordering_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// put stores a state the commands leave only when they are cut off half-way.
func put(t *testing.T, repo *memRepo, o domain.Order) domain.Order {
	t.Helper()
	o.UpdatedAt = o.UpdatedAt.Add(-2 * time.Minute) // untouched for a while: settled
	o.Recalculate()
	if err := repo.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	return o
}

func halfDone(status domain.OrderStatus, items ...domain.OrderItem) domain.Order {
	now := domain.Now()
	return domain.Order{OrderID: domain.NewID(), CustomerID: customerID, Status: status, Items: items,
		Currency: domain.Currency, CreatedAt: now, UpdatedAt: now}
}

func item(status domain.ItemStatus, reservationID string) domain.OrderItem {
	return domain.OrderItem{ItemID: domain.NewID(), ProductID: productID, Quantity: 1, UnitPrice: 100,
		Status: status, ReservationID: reservationID}
}

// held adds a reservation that holds stock at the fake warehouse.
func (w *world) hold(orderID, itemID string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := "res-" + itemID
	w.reservations = append(w.reservations, domain.Reservation{ReservationID: id, OrderID: orderID, ItemID: itemID,
		Status: domain.ReservationReserved, Quantity: 1, UnitPrice: 100})
	return id
}

func reconcile(t *testing.T, s *ordering.Service) ordering.ReconcileReport {
	t.Helper()
	rep, err := s.Reconcile(ctx, ordering.ReconcileOptions{Settle: time.Minute})
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	return rep
}

func TestReconcile(t *testing.T) {
	t.Run("settles a PENDING item the warehouse never saw", func(t *testing.T) {
		w := &world{price: 100}
		s, repo := newService(t, w)
		it := item(domain.ItemPending, "")
		o := put(t, repo, halfDone(domain.OrderOpen, it))
		if rep := reconcile(t, s); rep.Settled != 1 {
			t.Errorf("report %+v, want 1 settled", rep)
		}
		got, _ := repo.Order(ctx, o.OrderID)
		if got.Items[0].Status != domain.ItemReserved || got.Items[0].ReservationID == "" || w.held() != 1 {
			t.Errorf("item %+v, %d held, want RESERVED with its reservation", got.Items[0], w.held())
		}
	})
	t.Run("settles a PENDING item whose reservation's answer was lost", func(t *testing.T) {
		w := &world{price: 100}
		s, repo := newService(t, w)
		it := item(domain.ItemPending, "")
		o := put(t, repo, halfDone(domain.OrderOpen, it))
		res := w.hold(o.OrderID, it.ItemID)
		reconcile(t, s)
		got, _ := repo.Order(ctx, o.OrderID)
		if got.Items[0].Status != domain.ItemReserved || got.Items[0].ReservationID != res || w.held() != 1 {
			t.Errorf("item %+v, %d held, want RESERVED by %s and nothing more held", got.Items[0], w.held(), res)
		}
	})
	t.Run("takes a PENDING item out when the warehouse cannot answer", func(t *testing.T) {
		w := &world{price: 100, reserveErr: domain.Errorf(domain.CodeUnavailable, "down")}
		s, repo := newService(t, w)
		o := put(t, repo, halfDone(domain.OrderOpen, item(domain.ItemPending, "")))
		if _, err := s.Reconcile(ctx, ordering.ReconcileOptions{}); err == nil {
			t.Error("got nil, want the warehouse's error reported")
		}
		if got, _ := repo.Order(ctx, o.OrderID); len(got.Items) != 0 {
			t.Errorf("items %+v, want the PENDING item taken out", got.Items)
		}
	})
	t.Run("releases a reservation for an item the order does not hold", func(t *testing.T) {
		w := &world{}
		s, repo := newService(t, w)
		o := put(t, repo, halfDone(domain.OrderOpen))
		w.hold(o.OrderID, domain.NewID())
		if rep := reconcile(t, s); rep.Released != 1 || w.held() != 0 {
			t.Errorf("report %+v, %d held, want the orphan released", rep, w.held())
		}
	})
	t.Run("releases the reservation of a CANCELED item and keeps the live ones", func(t *testing.T) {
		w := &world{}
		s, repo := newService(t, w)
		gone, live := item(domain.ItemCanceled, ""), item(domain.ItemReserved, "")
		o := halfDone(domain.OrderOpen, gone, live)
		o.Items[0].ReservationID = w.hold(o.OrderID, gone.ItemID)
		o.Items[1].ReservationID = w.hold(o.OrderID, live.ItemID)
		put(t, repo, o)
		if rep := reconcile(t, s); rep.Released != 1 || w.held() != 1 {
			t.Errorf("report %+v, %d held, want only the cancelled item's released", rep, w.held())
		}
	})
	t.Run("releases what an OPEN order with every item CANCELED holds", func(t *testing.T) {
		w := &world{}
		s, repo := newService(t, w)
		a, b := item(domain.ItemCanceled, ""), item(domain.ItemCanceled, "")
		o := halfDone(domain.OrderOpen, a, b)
		o.Items[0].ReservationID = w.hold(o.OrderID, a.ItemID)
		o.Items[1].ReservationID = w.hold(o.OrderID, b.ItemID)
		put(t, repo, o)
		reconcile(t, s)
		if w.held() != 0 {
			t.Errorf("%d held, want none", w.held())
		}
	})
	t.Run("releases every reservation of a CANCELED order", func(t *testing.T) {
		w := &world{}
		s, repo := newService(t, w)
		it := item(domain.ItemCanceled, "")
		o := halfDone(domain.OrderCanceled, it)
		o.Items[0].ReservationID = w.hold(o.OrderID, it.ItemID)
		put(t, repo, o)
		reconcile(t, s)
		if w.held() != 0 {
			t.Errorf("%d held, want none", w.held())
		}
	})
	t.Run("finishes CONFIRMED and SHIPPED orders", func(t *testing.T) {
		w := &world{}
		s, repo := newService(t, w)
		var ids []string
		for _, status := range []domain.OrderStatus{domain.OrderConfirmed, domain.OrderShipped} {
			it := item(domain.ItemReserved, "")
			o := halfDone(status, it)
			o.Items[0].ReservationID = w.hold(o.OrderID, it.ItemID)
			ids = append(ids, put(t, repo, o).OrderID)
		}
		if rep := reconcile(t, s); rep.Resumed != 2 {
			t.Errorf("report %+v, want 2 resumed", rep)
		}
		for _, id := range ids {
			if got, _ := repo.Order(ctx, id); got.Status != domain.OrderCompleted {
				t.Errorf("order %s is %s, want COMPLETED", id, got.Status)
			}
		}
	})
	t.Run("is idempotent and leaves recent orders to their commands", func(t *testing.T) {
		w := &world{price: 100}
		s, repo := newService(t, w)
		put(t, repo, halfDone(domain.OrderOpen, item(domain.ItemPending, "")))
		recent := halfDone(domain.OrderOpen, item(domain.ItemPending, ""))
		if err := repo.CreateOrder(ctx, recent); err != nil {
			t.Fatal(err)
		}
		reconcile(t, s)
		if rep := reconcile(t, s); rep.Settled+rep.Released+rep.Resumed != 0 {
			t.Errorf("second pass: %+v, want nothing repaired", rep)
		}
		if got, _ := repo.Order(ctx, recent.OrderID); got.Items[0].Status != domain.ItemPending {
			t.Errorf("a recent order was touched: %+v", got.Items[0])
		}
		if w.held() != 1 {
			t.Errorf("%d held, want 1", w.held())
		}
	})
}

// The reconciler runs in every instance of ordering, over the one database
// they share, and beside the commands of all of them: whoever settles an item
// first, the others leave its reservation alone.
func TestReconcile_besideOtherInstances(t *testing.T) {
	t.Run("two passes settle one PENDING item", func(t *testing.T) {
		w := &world{price: 100}
		s, repo := newService(t, w)
		other, err := ordering.New(repo, ordering.Ports{Customers: w, Catalog: w, Reservations: w, Shipping: w, Billing: w})
		if err != nil {
			t.Fatal(err)
		}
		o := put(t, repo, halfDone(domain.OrderOpen, item(domain.ItemPending, "")))
		// The other instance's pass settles the item while this one waits on the warehouse.
		w.onReserve = func(domain.Reservation) { reconcile(t, other) }
		reconcile(t, s)
		checkReserved(t, w, repo, o.OrderID)
	})
	t.Run("a pass leaves alone the reservation of an item being added", func(t *testing.T) {
		w := &world{price: 100}
		s, repo := newService(t, w)
		o := put(t, repo, halfDone(domain.OrderOpen))
		reserved, answer, added := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		// The pass has listed the order as untouched when a client adds an
		// item; the warehouse has reserved it but ordering has not heard yet.
		repo.onList = func() {
			w.onReserve = func(domain.Reservation) { close(reserved); <-answer }
			go func() {
				_, err := s.AddItem(ctx, o.OrderID, domain.NewItem{ProductID: productID, Quantity: 1})
				added <- err
			}()
			<-reserved
		}
		reconcile(t, s)
		close(answer)
		if err := <-added; err != nil {
			t.Fatalf("AddItem: %v", err)
		}
		checkReserved(t, w, repo, o.OrderID)
	})
}

// checkReserved fails unless the order's one item is RESERVED by a
// reservation that holds its stock, and nothing else is held.
func checkReserved(t *testing.T, w *world, repo *memRepo, orderID string) {
	t.Helper()
	got, _ := repo.Order(ctx, orderID)
	rs, _ := w.OrderReservations(ctx, orderID)
	if len(got.Items) != 1 || got.Items[0].Status != domain.ItemReserved {
		t.Fatalf("items %+v, want one RESERVED", got.Items)
	}
	if len(rs) != 1 || rs[0].ReservationID != got.Items[0].ReservationID || rs[0].Status != domain.ReservationReserved {
		t.Errorf("item RESERVED by %q, reservations %+v: want its reservation RESERVED", got.Items[0].ReservationID, rs)
	}
}

func TestStartReconciler(t *testing.T) {
	w := &world{}
	s, repo := newService(t, w)
	o := put(t, repo, halfDone(domain.OrderOpen))
	w.hold(o.OrderID, domain.NewID())
	stop := s.StartReconciler(time.Hour, time.Minute, ordering.ReconcileOptions{}, slog.New(slog.DiscardHandler))
	deadline := time.Now().Add(5 * time.Second)
	for w.held() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if w.held() != 0 {
		t.Error("the reconciler did not run at start")
	}
}

// apiSpy records the context a command ran under.
type apiSpy struct {
	ordering.API
	err      error
	deadline bool
}

func (a *apiSpy) Cancel(ctx context.Context, id string) (domain.Order, error) {
	a.err = ctx.Err()
	_, a.deadline = ctx.Deadline()
	return domain.Order{OrderID: id}, nil
}

// A command runs on, within its own budget, after its client has gone.
func TestRoutes_commandsOutliveTheirClient(t *testing.T) {
	spy := &apiSpy{}
	e := httpx.NewEngine(slog.New(slog.DiscardHandler))
	ordering.Routes(e, spy, ordering.WithCommandBudget(time.Second))
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(gone, http.MethodPost, "/api/orders/"+domain.NewID()+"/cancel", strings.NewReader(""))
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if spy.err != nil || !spy.deadline {
		t.Errorf("the command saw %v (deadline %v), want a live context with its own deadline", spy.err, spy.deadline)
	}
}
