package store

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// Orders keeps the ordering service's orders. An order's items live in the
// order's row, as a JSON array in the order they were added.
type Orders struct{ db *DB }

var _ ordering.Repository = (*Orders)(nil)

// NewOrders returns the orders repository of db.
func NewOrders(db *DB) *Orders { return &Orders{db: db} }

var _ ordering.Exclusive = (*Orders)(nil)

// Exclusive runs fn while holding the lock called name of the database (DB.Exclusive).
func (s *Orders) Exclusive(ctx context.Context, name string, fn func(context.Context) error) error {
	return s.db.Exclusive(ctx, name, fn)
}

const orderColumns = "order_id, customer_id, name, description, status, items, total, currency, created_at, updated_at"

// CreateOrder stores a new order with its items; an id already stored is a CodeConflict error.
func (s *Orders) CreateOrder(ctx context.Context, o domain.Order) error {
	items, err := jsonList(o.Items)
	if err != nil {
		return fmt.Errorf("create order %s: %w", o.OrderID, err)
	}
	_, err = s.db.exec(ctx, "INSERT INTO orders ("+orderColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		o.OrderID, o.CustomerID, o.Name, o.Description, string(o.Status), items, o.Total, o.Currency,
		dbTime(o.CreatedAt), dbTime(o.UpdatedAt))
	if IsUniqueViolation(err) {
		return domain.Errorf(domain.CodeConflict, "order %s already exists", o.OrderID)
	}
	if err != nil {
		return fmt.Errorf("create order %s: %w", o.OrderID, err)
	}
	return nil
}

// Order returns the order or a CodeNotFound error.
func (s *Orders) Order(ctx context.Context, id string) (domain.Order, error) {
	o, err := scanOrder(s.db.queryRow(ctx, "SELECT "+orderColumns+" FROM orders WHERE order_id = ?", id))
	if err != nil {
		return domain.Order{}, notFound(err, "order", id)
	}
	return o, nil
}

// Orders lists orders, newest first; customerID and status, when set, filter.
func (s *Orders) Orders(ctx context.Context, customerID string, status domain.OrderStatus, page domain.Page) ([]domain.Order, error) {
	var w where
	w.eq("customer_id", customerID)
	w.eq("status", string(status))
	w.after(page, "orders", "created_at", "order_id", false)
	list, err := queryList(ctx, s.db, scanOrder,
		"SELECT "+orderColumns+" FROM orders"+w.String()+" ORDER BY created_at DESC, order_id DESC"+limit(page), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return list, nil
}

// UpdateOrder loads the order, lets fn change it and stores the result, in one
// transaction that locks the order's row (PostgreSQL) or holds the database's
// write lock (SQLite), so concurrent updates of one order run one after the
// other and none is lost. When fn fails nothing is stored and its error comes back.
func (s *Orders) UpdateOrder(ctx context.Context, id string, fn func(*domain.Order) error) (domain.Order, error) {
	var o domain.Order
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		o, err = scanOrder(s.db.queryRow(ctx, "SELECT "+orderColumns+" FROM orders WHERE order_id = ?"+s.db.ForUpdate(), id))
		if err != nil {
			return notFound(err, "order", id)
		}
		if err := fn(&o); err != nil {
			return err
		}
		return s.save(ctx, id, o)
	})
	if err != nil {
		return domain.Order{}, err
	}
	return o, nil
}

// save writes every field of o that may change to the order's row.
func (s *Orders) save(ctx context.Context, id string, o domain.Order) error {
	items, err := jsonList(o.Items)
	if err != nil {
		return fmt.Errorf("update order %s: %w", id, err)
	}
	_, err = s.db.exec(ctx, "UPDATE orders SET customer_id = ?, name = ?, description = ?, status = ?, items = ?,"+
		" total = ?, currency = ?, updated_at = ? WHERE order_id = ?",
		o.CustomerID, o.Name, o.Description, string(o.Status), items, o.Total, o.Currency, dbTime(o.UpdatedAt), id)
	if err != nil {
		return fmt.Errorf("update order %s: %w", id, err)
	}
	return nil
}

func scanOrder(row scanner) (domain.Order, error) {
	var o domain.Order
	var status string
	err := row.Scan(&o.OrderID, &o.CustomerID, &o.Name, &o.Description, &status, listCol[domain.OrderItem]{&o.Items},
		&o.Total, &o.Currency, timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt})
	o.Status = domain.OrderStatus(status)
	return o, err
}
