package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

// TestWarehouse_TransitionReservation is the contract suite of warehouse.Repository's
// TransitionReservation. Its cases get the database, to join a transaction.
func TestWarehouse_TransitionReservation(t *testing.T) {
	forEachDB(t, "warehouse", func(t *testing.T, db *store.DB) {
		runCases(t, db, []testCase[*store.DB]{
			{"confirming keeps the stock taken", testConfirmKeepsStock},
			{"cancelling a RESERVED reservation returns the stock once", testCancelReturnsStock},
			{"cancelling a REJECTED reservation returns nothing", testCancelRejected},
			{"cancelling a CONFIRMED reservation is a conflict", testCancelConfirmed},
			{"answers not found for an unknown reservation", testTransitionNotFound},
			{"joins the caller's transaction", testTransitionJoinsTx},
		})
	})
}

// mustReserve stores a product with a stock of 10 and reserves quantity of it.
func mustReserve(t *testing.T, s *store.Warehouse, quantity int) domain.Reservation {
	t.Helper()
	p := mustProduct(t, s, 10)
	r, _, err := s.Reserve(t.Context(), newRequest(p.ProductID, quantity), domain.NewID(), at(0))
	must(t, err)
	return r
}

// mustMove moves r to the state to and checks that it is then in that state, as stored.
func mustMove(t *testing.T, s *store.Warehouse, r domain.Reservation, to domain.ReservationStatus) {
	t.Helper()
	got, err := s.TransitionReservation(t.Context(), r.ReservationID, to, at(1))
	must(t, err)
	stored, err := s.Reservation(t.Context(), r.ReservationID)
	must(t, err)
	if got.Status != to || stored != got {
		t.Fatalf("answered %+v, stored %+v, want both %s", got, stored, to)
	}
}

func testConfirmKeepsStock(t *testing.T, db *store.DB) {
	s := store.NewWarehouse(db)
	r := mustReserve(t, s, 4)
	mustMove(t, s, r, domain.ReservationConfirmed)
	mustMove(t, s, r, domain.ReservationConfirmed)
	wantStock(t, s, r.ProductID, 6)
}

func testCancelReturnsStock(t *testing.T, db *store.DB) {
	s := store.NewWarehouse(db)
	r := mustReserve(t, s, 4)
	mustMove(t, s, r, domain.ReservationCanceled)
	mustMove(t, s, r, domain.ReservationCanceled)
	wantStock(t, s, r.ProductID, 10)
}

func testCancelRejected(t *testing.T, db *store.DB) {
	s := store.NewWarehouse(db)
	r := mustReserve(t, s, 11)
	if r.Status != domain.ReservationRejected {
		t.Fatalf("got %s, want REJECTED", r.Status)
	}
	mustMove(t, s, r, domain.ReservationCanceled)
	wantStock(t, s, r.ProductID, 10)
}

func testCancelConfirmed(t *testing.T, db *store.DB) {
	s := store.NewWarehouse(db)
	r := mustReserve(t, s, 4)
	mustMove(t, s, r, domain.ReservationConfirmed)
	_, err := s.TransitionReservation(t.Context(), r.ReservationID, domain.ReservationCanceled, at(2))
	wantCode(t, err, domain.CodeConflict)
	mustMove(t, s, r, domain.ReservationConfirmed)
	wantStock(t, s, r.ProductID, 6)
}

func testTransitionNotFound(t *testing.T, db *store.DB) {
	_, err := store.NewWarehouse(db).TransitionReservation(t.Context(), domain.NewID(), domain.ReservationCanceled, at(1))
	wantCode(t, err, domain.CodeNotFound)
}

func testTransitionJoinsTx(t *testing.T, db *store.DB) {
	s := store.NewWarehouse(db)
	r := mustReserve(t, s, 4)
	err := db.InTx(t.Context(), func(ctx context.Context) error {
		_, err := s.TransitionReservation(ctx, r.ReservationID, domain.ReservationCanceled, at(1))
		must(t, err)
		return errors.New("the caller fails later")
	})
	if err == nil {
		t.Fatal("got no error")
	}
	wantStock(t, s, r.ProductID, 6)
	mustMove(t, s, r, domain.ReservationConfirmed) // still RESERVED, so it can be confirmed
}
