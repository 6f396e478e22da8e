package warehouse_test

import (
	"slices"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// orderReservations stores one reservation of the order in each state, plus a
// RESERVED one of another order, and returns the ids of the order's by state.
func orderReservations(repo *memRepo) map[domain.ReservationStatus]domain.Reservation {
	now := time.Now().UTC()
	byStatus := map[domain.ReservationStatus]domain.Reservation{}
	for _, st := range []domain.ReservationStatus{domain.ReservationReserved, domain.ReservationRejected, domain.ReservationConfirmed, domain.ReservationCanceled} {
		res := domain.Reservation{ReservationID: domain.NewID(), OrderID: orderID, ItemID: domain.NewID(), ProductID: productID,
			Quantity: 1, UnitPrice: 250, Currency: domain.Currency, Status: st, CreatedAt: now, UpdatedAt: now}
		repo.add(res)
		byStatus[st] = res
	}
	repo.add(domain.Reservation{ReservationID: domain.NewID(), OrderID: domain.NewID(), ItemID: domain.NewID(), ProductID: productID,
		Quantity: 1, Status: domain.ReservationReserved, CreatedAt: now, UpdatedAt: now})
	return byStatus
}

func statuses(t *testing.T, repo *memRepo, list map[domain.ReservationStatus]domain.Reservation) map[domain.ReservationStatus]domain.ReservationStatus {
	t.Helper()
	got := map[domain.ReservationStatus]domain.ReservationStatus{}
	for from, res := range list {
		now, err := repo.Reservation(ctx, res.ReservationID)
		if err != nil {
			t.Fatal(err)
		}
		got[from] = now.Status
	}
	return got
}

func TestService_ConfirmOrder(t *testing.T) {
	t.Run("confirms only the RESERVED reservations of the order", func(t *testing.T) {
		repo := newRepo()
		list := orderReservations(repo)
		if err := warehouse.New(repo).ConfirmOrder(ctx, orderID); err != nil {
			t.Fatal(err)
		}
		want := map[domain.ReservationStatus]domain.ReservationStatus{
			domain.ReservationReserved:  domain.ReservationConfirmed,
			domain.ReservationRejected:  domain.ReservationRejected,
			domain.ReservationConfirmed: domain.ReservationConfirmed,
			domain.ReservationCanceled:  domain.ReservationCanceled,
		}
		assertStatuses(t, statuses(t, repo, list), want)
		if got := len(repo.moves()); got != 1 {
			t.Errorf("transitions: got %d, want 1", got)
		}
	})
	t.Run("changes nothing when repeated", func(t *testing.T) {
		repo := newRepo()
		orderReservations(repo)
		s := warehouse.New(repo)
		for range 2 {
			if err := s.ConfirmOrder(ctx, orderID); err != nil {
				t.Fatal(err)
			}
		}
		if got := len(repo.moves()); got != 1 {
			t.Errorf("transitions: got %d, want 1", got)
		}
	})
	t.Run("passes the repository's error through", func(t *testing.T) {
		repo := newRepo()
		repo.err = domain.Errorf(domain.CodeUnavailable, "database is down")
		if got := domain.ErrorCode(warehouse.New(repo).ConfirmOrder(ctx, orderID)); got != domain.CodeUnavailable {
			t.Errorf("code: got %q, want %q", got, domain.CodeUnavailable)
		}
	})
}

func TestService_CancelOrder(t *testing.T) {
	t.Run("cancels the RESERVED and REJECTED reservations of the order", func(t *testing.T) {
		repo := newRepo()
		list := orderReservations(repo)
		if err := warehouse.New(repo).CancelOrder(ctx, orderID); err != nil {
			t.Fatal(err)
		}
		want := map[domain.ReservationStatus]domain.ReservationStatus{
			domain.ReservationReserved:  domain.ReservationCanceled,
			domain.ReservationRejected:  domain.ReservationCanceled,
			domain.ReservationConfirmed: domain.ReservationConfirmed,
			domain.ReservationCanceled:  domain.ReservationCanceled,
		}
		assertStatuses(t, statuses(t, repo, list), want)
		if got, want := repo.stock(productID), 11; got != want {
			t.Errorf("stock: got %d, want %d (the RESERVED one's returned)", got, want)
		}
	})
}

func TestService_CancelItem(t *testing.T) {
	t.Run("cancels only the item's reservation", func(t *testing.T) {
		repo := newRepo()
		s := warehouse.New(repo)
		keep, _, err := s.Reserve(ctx, request(1))
		if err != nil {
			t.Fatal(err)
		}
		drop, _, err := s.Reserve(ctx, request(2))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CancelItem(ctx, orderID, drop.ItemID); err != nil {
			t.Fatal(err)
		}
		if want := []transition{{drop.ReservationID, domain.ReservationCanceled}}; !slices.Equal(repo.moves(), want) {
			t.Errorf("transitions: got %v, want %v", repo.moves(), want)
		}
		if got, _ := repo.Reservation(ctx, keep.ReservationID); got.Status != domain.ReservationReserved {
			t.Errorf("other item: got %s, want RESERVED", got.Status)
		}
	})
	t.Run("does nothing for an item without a reservation", func(t *testing.T) {
		repo := newRepo()
		orderReservations(repo)
		if err := warehouse.New(repo).CancelItem(ctx, orderID, domain.NewID()); err != nil {
			t.Fatal(err)
		}
		if got := repo.moves(); len(got) != 0 {
			t.Errorf("transitions: got %v, want none", got)
		}
	})
}

func assertStatuses(t *testing.T, got, want map[domain.ReservationStatus]domain.ReservationStatus) {
	t.Helper()
	for from, w := range want {
		if got[from] != w {
			t.Errorf("a %s reservation: got %s, want %s", from, got[from], w)
		}
	}
}
