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

// TestWarehouse_concurrency checks that Reserve and TransitionReservation stay
// correct when many calls race.
func TestWarehouse_concurrency(t *testing.T) {
	forEachDB(t, "warehouse", func(t *testing.T, db *store.DB) {
		runCases(t, store.NewWarehouse(db), []testCase[*store.Warehouse]{
			{"concurrent reservations never oversell", testReserveNeverOversells},
			{"concurrent reservations of one item create one", testReserveOneItemOnce},
			{"concurrent cancels return the stock once", testCancelOnce},
		})
	})
}

// testReserveNeverOversells: 50 calls of 3 against a stock of 100 leave 1.
func testReserveNeverOversells(t *testing.T, s *store.Warehouse) {
	p := mustProduct(t, s, 100)
	results := make([]domain.Reservation, 50)
	noErrors(t, race(50, func(i int) (err error) {
		results[i], _, err = s.Reserve(t.Context(), newRequest(p.ProductID, 3), domain.NewID(), at(i))
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
}

// testReserveOneItemOnce: 20 calls for one item create one reservation, and
// every call answers with it.
func testReserveOneItemOnce(t *testing.T, s *store.Warehouse) {
	p := mustProduct(t, s, 100)
	req := newRequest(p.ProductID, 3)
	results := make([]domain.Reservation, 20)
	created := make([]bool, 20)
	noErrors(t, race(20, func(i int) (err error) {
		results[i], created[i], err = s.Reserve(t.Context(), req, domain.NewID(), at(i))
		return err
	}))
	for i, r := range results {
		if r != results[0] || r.Status != domain.ReservationReserved {
			t.Fatalf("call %d got %+v, call 0 got %+v", i, r, results[0])
		}
	}
	if n := countTrue(created); n != 1 {
		t.Fatalf("created %d reservations, want 1", n)
	}
	wantStock(t, s, p.ProductID, 97)
}

// testCancelOnce: 20 cancels of one reservation return its stock once.
func testCancelOnce(t *testing.T, s *store.Warehouse) {
	r := mustReserve(t, s, 4)
	noErrors(t, race(20, func(int) error {
		_, err := s.TransitionReservation(t.Context(), r.ReservationID, domain.ReservationCanceled, at(1))
		return err
	}))
	wantStock(t, s, r.ProductID, 10)
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// TestOrders_concurrency checks that concurrent UpdateOrder calls of one order lose no update.
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

// TestShipping_concurrency checks that concurrent CreateShipment calls of one order create one.
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
		n := countTrue(created)
		list, err := s.Shipments(t.Context(), orderID, domain.Page{})
		must(t, err)
		if n != 1 || len(list) != 1 {
			t.Fatalf("created %d, stored %d shipments of one order, want 1", n, len(list))
		}
	})
}
