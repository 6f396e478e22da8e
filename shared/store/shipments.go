package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/shipping"
)

// Shipments keeps the shipping service's shipments.
type Shipments struct{ db *DB }

var _ shipping.Repository = (*Shipments)(nil)

// NewShipments returns the shipments repository of db.
func NewShipments(db *DB) *Shipments { return &Shipments{db: db} }

const shipmentColumns = "shipment_id, order_id, customer_id, address, items, status, created_at, shipped_at"

// CreateShipment stores sh unless its order already has a shipment; either way it
// returns the order's shipment, and created says whether sh was stored.
func (s *Shipments) CreateShipment(ctx context.Context, sh domain.Shipment) (domain.Shipment, bool, error) {
	items, err := jsonList(sh.Items)
	if err != nil {
		return domain.Shipment{}, false, fmt.Errorf("create shipment of order %s: %w", sh.OrderID, err)
	}
	// In PostgreSQL the insert waits for a concurrent transaction that stored a
	// shipment of the same order, and then does nothing.
	n, err := s.db.exec(ctx, "INSERT INTO shipments ("+shipmentColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (order_id) DO NOTHING",
		sh.ShipmentID, sh.OrderID, sh.CustomerID, sh.Address, items, string(sh.Status),
		dbTime(sh.CreatedAt), dbTimePtr(sh.ShippedAt))
	if IsUniqueViolation(err) {
		return domain.Shipment{}, false, domain.Errorf(domain.CodeConflict, "shipment %s already exists", sh.ShipmentID)
	}
	if err != nil {
		return domain.Shipment{}, false, fmt.Errorf("create shipment of order %s: %w", sh.OrderID, err)
	}
	stored, err := scanShipment(s.db.queryRow(ctx, "SELECT "+shipmentColumns+" FROM shipments WHERE order_id = ?", sh.OrderID))
	if err != nil {
		return domain.Shipment{}, false, fmt.Errorf("read shipment of order %s: %w", sh.OrderID, err)
	}
	return stored, n == 1, nil
}

// Shipment returns the shipment or a CodeNotFound error.
func (s *Shipments) Shipment(ctx context.Context, id string) (domain.Shipment, error) {
	sh, err := scanShipment(s.db.queryRow(ctx, "SELECT "+shipmentColumns+" FROM shipments WHERE shipment_id = ?", id))
	if err != nil {
		return domain.Shipment{}, notFound(err, "shipment", id)
	}
	return sh, nil
}

// Shipments lists shipments, newest first; orderID, when set, filters on it.
func (s *Shipments) Shipments(ctx context.Context, orderID string, page domain.Page) ([]domain.Shipment, error) {
	var w where
	w.eq("order_id", orderID)
	w.after(page, "shipments", "created_at", "shipment_id", false)
	list, err := queryList(ctx, s.db, scanShipment,
		"SELECT "+shipmentColumns+" FROM shipments"+w.String()+" ORDER BY created_at DESC, shipment_id DESC"+limit(page), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list shipments: %w", err)
	}
	return list, nil
}

// ShipShipment marks the shipment SHIPPED at now, in one transaction that locks
// it; shipping it again changes nothing, and changed says whether this call shipped it.
func (s *Shipments) ShipShipment(ctx context.Context, id string, now time.Time) (domain.Shipment, bool, error) {
	var sh domain.Shipment
	var changed bool
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		sh, err = scanShipment(s.db.queryRow(ctx, "SELECT "+shipmentColumns+" FROM shipments WHERE shipment_id = ?"+s.db.ForUpdate(), id))
		if err != nil {
			return notFound(err, "shipment", id)
		}
		if changed = sh.Ship(now); !changed {
			return nil
		}
		_, err = s.db.exec(ctx, "UPDATE shipments SET status = ?, shipped_at = ? WHERE shipment_id = ?",
			string(sh.Status), dbTimePtr(sh.ShippedAt), id)
		return err
	})
	if err != nil {
		return domain.Shipment{}, false, fmt.Errorf("ship shipment %s: %w", id, err)
	}
	return sh, changed, nil
}

// PendingShipments lists the shipments not shipped yet, oldest first.
func (s *Shipments) PendingShipments(ctx context.Context) ([]domain.Shipment, error) {
	list, err := queryList(ctx, s.db, scanShipment,
		"SELECT "+shipmentColumns+" FROM shipments WHERE status = ? ORDER BY created_at, shipment_id",
		string(domain.ShipmentPending))
	if err != nil {
		return nil, fmt.Errorf("list pending shipments: %w", err)
	}
	return list, nil
}

func scanShipment(row scanner) (domain.Shipment, error) {
	var sh domain.Shipment
	var status string
	err := row.Scan(&sh.ShipmentID, &sh.OrderID, &sh.CustomerID, &sh.Address, listCol[domain.ShipmentItem]{&sh.Items},
		&status, timeCol{&sh.CreatedAt}, nullTimeCol{&sh.ShippedAt})
	sh.Status = domain.ShipmentStatus(status)
	return sh, err
}

// CancelShipment marks the shipment of the order CANCELED, in one transaction
// that locks it: the compensation of a saga that created it (messaging).
// Cancelling it again, or an order without a shipment, changes nothing;
// changed says whether this call cancelled it.
func (s *Shipments) CancelShipment(ctx context.Context, orderID string) (bool, error) {
	var changed bool
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var status string
		err := s.db.queryRow(ctx, "SELECT status FROM shipments WHERE order_id = ?"+s.db.ForUpdate(), orderID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) || domain.ShipmentStatus(status) == domain.ShipmentCanceled {
			return nil
		}
		if err != nil {
			return err
		}
		changed = true
		_, err = s.db.exec(ctx, "UPDATE shipments SET status = ? WHERE order_id = ?", string(domain.ShipmentCanceled), orderID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("cancel the shipment of order %s: %w", orderID, err)
	}
	return changed, nil
}
