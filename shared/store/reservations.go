package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

const reservationColumns = "reservation_id, order_id, item_id, product_id, quantity, unit_price, currency, status, reason, created_at, updated_at"

// Reserve holds stock for one order item, atomically and idempotently on
// req.ItemID (see warehouse.Repository): it takes the stock with one conditional
// UPDATE, so concurrent calls never oversell, and the unique item_id decides
// which of two concurrent calls for the same item creates the reservation.
func (s *Warehouse) Reserve(ctx context.Context, req domain.ReservationRequest, id string, now time.Time) (domain.Reservation, bool, error) {
	var r domain.Reservation
	var created bool
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		r, created, err = s.reserve(ctx, req, id, now)
		return err
	})
	if err != nil {
		return domain.Reservation{}, false, fmt.Errorf("reserve item %s: %w", req.ItemID, err)
	}
	return r, created, nil
}

func (s *Warehouse) reserve(ctx context.Context, req domain.ReservationRequest, id string, now time.Time) (domain.Reservation, bool, error) {
	if r, found, err := s.reservationByItem(ctx, req.ItemID); found || err != nil {
		return r, false, err
	}
	p, err := s.Product(ctx, req.ProductID)
	if err != nil {
		return domain.Reservation{}, false, err
	}
	r := domain.Reservation{
		ReservationID: id, OrderID: req.OrderID, ItemID: req.ItemID, ProductID: p.ProductID,
		Quantity: req.Quantity, UnitPrice: p.Price, Currency: p.Currency, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.hold(ctx, &r); err != nil {
		return domain.Reservation{}, false, err
	}
	if inserted, err := s.insertReservation(ctx, r); inserted || err != nil {
		return r, inserted, err
	}
	stored, err := s.yieldTo(ctx, r)
	return stored, false, err
}

// yieldTo undoes r, which lost the race to a concurrent call for the same item
// (PostgreSQL lets both read "none"; SQLite's immediate transactions cannot
// interleave): it gives back the stock r took and returns the stored reservation.
func (s *Warehouse) yieldTo(ctx context.Context, r domain.Reservation) (domain.Reservation, error) {
	if r.HoldsStock() {
		if err := s.returnStock(ctx, r.ProductID, r.Quantity); err != nil {
			return domain.Reservation{}, err
		}
	}
	stored, found, err := s.reservationByItem(ctx, r.ItemID)
	if err == nil && !found { // only under an isolation level stricter than the default
		err = domain.Errorf(domain.CodeUnavailable, "item %s is being reserved by another request; try again", r.ItemID)
	}
	return stored, err
}

// hold takes the reservation's quantity from the product's stock and makes it
// RESERVED, or makes it REJECTED with a reason when the stock is short.
func (s *Warehouse) hold(ctx context.Context, r *domain.Reservation) error {
	took, err := s.takeStock(ctx, r.ProductID, r.Quantity)
	if err != nil {
		return err
	}
	if took {
		r.Status = domain.ReservationReserved
		return nil
	}
	available, err := s.stock(ctx, r.ProductID)
	if err != nil {
		return err
	}
	r.Status = domain.ReservationRejected
	r.Reason = fmt.Sprintf("not enough stock: %d available, %d requested", available, r.Quantity)
	return nil
}

// insertReservation stores r unless its item already has a reservation, and
// reports whether it did. In PostgreSQL the insert waits for a concurrent
// transaction that stored the same item, and then does nothing.
func (s *Warehouse) insertReservation(ctx context.Context, r domain.Reservation) (bool, error) {
	n, err := s.db.exec(ctx, "INSERT INTO reservations ("+reservationColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (item_id) DO NOTHING",
		r.ReservationID, r.OrderID, r.ItemID, r.ProductID, r.Quantity, r.UnitPrice, r.Currency,
		string(r.Status), r.Reason, dbTime(r.CreatedAt), dbTime(r.UpdatedAt))
	if IsUniqueViolation(err) {
		return false, domain.Errorf(domain.CodeConflict, "reservation %s already exists", r.ReservationID)
	}
	if err != nil {
		return false, fmt.Errorf("store reservation %s: %w", r.ReservationID, err)
	}
	return n == 1, nil
}

// reservationByItem returns the item's reservation, if it has one.
func (s *Warehouse) reservationByItem(ctx context.Context, itemID string) (domain.Reservation, bool, error) {
	r, err := scanReservation(s.db.queryRow(ctx, "SELECT "+reservationColumns+" FROM reservations WHERE item_id = ?", itemID))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Reservation{}, false, nil
	}
	if err != nil {
		return domain.Reservation{}, false, fmt.Errorf("find reservation of item %s: %w", itemID, err)
	}
	return r, true, nil
}

// Reservation returns the reservation or a CodeNotFound error.
func (s *Warehouse) Reservation(ctx context.Context, id string) (domain.Reservation, error) {
	r, err := scanReservation(s.db.queryRow(ctx, "SELECT "+reservationColumns+" FROM reservations WHERE reservation_id = ?", id))
	if err != nil {
		return domain.Reservation{}, notFound(err, "reservation", id)
	}
	return r, nil
}

// Reservations lists reservations, newest first; orderID, when set, filters on it.
func (s *Warehouse) Reservations(ctx context.Context, orderID string, page domain.Page) ([]domain.Reservation, error) {
	var w where
	w.eq("order_id", orderID)
	w.after(page, "reservations", "created_at", "reservation_id", false)
	list, err := queryList(ctx, s.db, scanReservation,
		"SELECT "+reservationColumns+" FROM reservations"+w.String()+" ORDER BY created_at DESC, reservation_id DESC"+limit(page), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list reservations: %w", err)
	}
	return list, nil
}

// TransitionReservation moves a reservation to the state to (see
// domain.Reservation.Transition) in one transaction that locks the reservation,
// so that two concurrent cancels cannot both return its stock.
func (s *Warehouse) TransitionReservation(ctx context.Context, id string, to domain.ReservationStatus, now time.Time) (domain.Reservation, error) {
	var r domain.Reservation
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.lockReservation(ctx, id); err != nil {
			return err
		}
		changed, releases, err := r.Transition(to, now)
		if err != nil || !changed {
			return err
		}
		if releases {
			if err := s.returnStock(ctx, r.ProductID, r.Quantity); err != nil {
				return err
			}
		}
		_, err = s.db.exec(ctx, "UPDATE reservations SET status = ?, updated_at = ? WHERE reservation_id = ?",
			string(r.Status), dbTime(r.UpdatedAt), r.ReservationID)
		return err
	})
	if err != nil {
		return domain.Reservation{}, fmt.Errorf("move reservation %s to %s: %w", id, to, err)
	}
	return r, nil
}

// lockReservation reads the reservation and locks it until the transaction ends.
func (s *Warehouse) lockReservation(ctx context.Context, id string) (domain.Reservation, error) {
	r, err := scanReservation(s.db.queryRow(ctx,
		"SELECT "+reservationColumns+" FROM reservations WHERE reservation_id = ?"+s.db.ForUpdate(), id))
	if err != nil {
		return domain.Reservation{}, notFound(err, "reservation", id)
	}
	return r, nil
}

func scanReservation(row scanner) (domain.Reservation, error) {
	var r domain.Reservation
	var status string
	err := row.Scan(&r.ReservationID, &r.OrderID, &r.ItemID, &r.ProductID, &r.Quantity, &r.UnitPrice, &r.Currency,
		&status, &r.Reason, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	r.Status = domain.ReservationStatus(status)
	return r, err
}
