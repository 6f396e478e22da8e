package store_test

import (
	"sync"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

// race runs fn(i) for i in [0, n) on n goroutines released together, and
// returns each call's error.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// noErrors fails the test with every error of errs.
func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

func TestWarehouse_concurrency(t *testing.T) {
	forEachDB(t, "warehouse", func(t *testing.T, db *store.DB) {
		s := store.NewWarehouse(db)
		ctx := t.Context()

		t.Run("concurrent reservations never oversell", func(t *testing.T) {
			p := mustProduct(t, s, 100)
			results := make([]domain.Reservation, 50)
			noErrors(t, race(50, func(i int) (err error) {
				results[i], _, err = s.Reserve(ctx, newRequest(p.ProductID, 3), domain.NewID(), at(i))
				return err
			}))
			count := map[domain.ReservationStatus]int{}
			for _, r := range results {
				count[r.Status]++
			}
			if count[domain.ReservationReserved] != 33 || count[domain.ReservationRejected] != 17 {
				t.Fatalf("got %v, want 33 RESERVED and 17 REJECTED", count)
			}
			wantStock(t, s, p.ProductID, 1)
		})
		t.Run("concurrent reservations of one item create one", func(t *testing.T) {
			p := mustProduct(t, s, 100)
			req := newRequest(p.ProductID, 3)
			results := make([]domain.Reservation, 20)
			created := make([]bool, 20)
			noErrors(t, race(20, func(i int) (err error) {
				results[i], created[i], err = s.Reserve(ctx, req, domain.NewID(), at(i))
				return err
			}))
			n := 0
			for i, r := range results {
				if created[i] {
					n++
				}
				if r != results[0] || r.Status != domain.ReservationReserved {
					t.Fatalf("call %d got %+v, call 0 got %+v", i, r, results[0])
				}
			}
			if n != 1 {
				t.Fatalf("created %d reservations, want 1", n)
			}
			wantStock(t, s, p.ProductID, 97)
		})
		t.Run("concurrent cancels return the stock once", func(t *testing.T) {
			p := mustProduct(t, s, 10)
			r, _, err := s.Reserve(ctx, newRequest(p.ProductID, 4), domain.NewID(), at(0))
			must(t, err)
			noErrors(t, race(20, func(int) error {
				_, err := s.TransitionReservation(ctx, r.ReservationID, domain.ReservationCanceled, at(1))
				return err
			}))
			wantStock(t, s, p.ProductID, 10)
		})
	})
}

func TestOrders_concurrency(t *testing.T) {
	forEachDB(t, "ordering", func(t *testing.T, db *store.DB) {
		s := store.NewOrders(db)
		ctx := t.Context()
		o := newOrder(domain.NewID(), 0)
		must(t, s.CreateOrder(ctx, o))

		noErrors(t, race(20, func(int) error {
			_, err := s.UpdateOrder(ctx, o.OrderID, func(o *domain.Order) error {
				o.Items = append(o.Items, newItem(domain.ItemPending))
				return nil
			})
			return err
		}))
		got, err := s.Order(ctx, o.OrderID)
		must(t, err)
		if len(got.Items) != 20 {
			t.Fatalf("got %d items, want 20: updates were lost", len(got.Items))
		}
	})
}

func TestShipping_concurrency(t *testing.T) {
	forEachDB(t, "shipping", func(t *testing.T, db *store.DB) {
		s := store.NewShipments(db)
		orderID := domain.NewID()
		created := make([]bool, 20)
		noErrors(t, race(20, func(i int) (err error) {
			sh := newShipment(i)
			sh.OrderID = orderID
			_, created[i], err = s.CreateShipment(t.Context(), sh)
			return err
		}))
		n := 0
		for _, c := range created {
			if c {
				n++
			}
		}
		list, err := s.Shipments(t.Context(), orderID)
		must(t, err)
		if n != 1 || len(list) != 1 {
			t.Fatalf("created %d, stored %d shipments of one order, want 1", n, len(list))
		}
	})
}
