package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

func TestWarehouse_TransitionReservation(t *testing.T) {
	forEachDB(t, "warehouse", func(t *testing.T, db *store.DB) {
		s := store.NewWarehouse(db)
		ctx := t.Context()
		// reserve stores a product with a stock of 10 and reserves quantity of it.
		reserve := func(t *testing.T, quantity int) domain.Reservation {
			t.Helper()
			p := mustProduct(t, s, 10)
			r, _, err := s.Reserve(ctx, newRequest(p.ProductID, quantity), domain.NewID(), at(0))
			must(t, err)
			return r
		}
		move := func(t *testing.T, r domain.Reservation, to domain.ReservationStatus, want domain.ReservationStatus) {
			t.Helper()
			got, err := s.TransitionReservation(ctx, r.ReservationID, to, at(1))
			must(t, err)
			if got.Status != want {
				t.Fatalf("got %s, want %s", got.Status, want)
			}
			stored, err := s.Reservation(ctx, r.ReservationID)
			must(t, err)
			if stored != got {
				t.Fatalf("stored %+v, answered %+v", stored, got)
			}
		}

		t.Run("confirming keeps the stock taken", func(t *testing.T) {
			r := reserve(t, 4)
			move(t, r, domain.ReservationConfirmed, domain.ReservationConfirmed)
			move(t, r, domain.ReservationConfirmed, domain.ReservationConfirmed)
			wantStock(t, s, r.ProductID, 6)
		})
		t.Run("cancelling a RESERVED reservation returns the stock once", func(t *testing.T) {
			r := reserve(t, 4)
			move(t, r, domain.ReservationCanceled, domain.ReservationCanceled)
			move(t, r, domain.ReservationCanceled, domain.ReservationCanceled)
			wantStock(t, s, r.ProductID, 10)
		})
		t.Run("cancelling a REJECTED reservation returns nothing", func(t *testing.T) {
			r := reserve(t, 11)
			if r.Status != domain.ReservationRejected {
				t.Fatalf("got %s, want REJECTED", r.Status)
			}
			move(t, r, domain.ReservationCanceled, domain.ReservationCanceled)
			wantStock(t, s, r.ProductID, 10)
		})
		t.Run("cancelling a CONFIRMED reservation is a conflict", func(t *testing.T) {
			r := reserve(t, 4)
			move(t, r, domain.ReservationConfirmed, domain.ReservationConfirmed)
			_, err := s.TransitionReservation(ctx, r.ReservationID, domain.ReservationCanceled, at(2))
			wantCode(t, err, domain.CodeConflict)
			move(t, r, domain.ReservationConfirmed, domain.ReservationConfirmed)
			wantStock(t, s, r.ProductID, 6)
		})
		t.Run("answers not found for an unknown reservation", func(t *testing.T) {
			_, err := s.TransitionReservation(ctx, domain.NewID(), domain.ReservationCanceled, at(1))
			wantCode(t, err, domain.CodeNotFound)
		})
		t.Run("joins the caller's transaction", func(t *testing.T) {
			r := reserve(t, 4)
			err := db.InTx(ctx, func(ctx context.Context) error {
				_, err := s.TransitionReservation(ctx, r.ReservationID, domain.ReservationCanceled, at(1))
				must(t, err)
				return errors.New("the caller fails later")
			})
			if err == nil {
				t.Fatal("got no error")
			}
			move(t, r, domain.ReservationConfirmed, domain.ReservationConfirmed)
			wantStock(t, s, r.ProductID, 6)
		})
	})
}
