package store

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/customers"
)

// Customers keeps the customers service's customers.
type Customers struct{ db *DB }

var _ customers.Repository = (*Customers)(nil)

// NewCustomers returns the customers repository of db.
func NewCustomers(db *DB) *Customers { return &Customers{db: db} }

const customerColumns = "customer_id, name, email, address, created_at"

// CreateCustomer stores c; an email already taken, whatever its letter case, is a CodeConflict error.
func (s *Customers) CreateCustomer(ctx context.Context, c domain.Customer) error {
	_, err := s.db.exec(ctx, "INSERT INTO customers ("+customerColumns+") VALUES (?, ?, ?, ?, ?)",
		c.CustomerID, c.Name, c.Email, c.Address, dbTime(c.CreatedAt))
	if IsUniqueViolation(err) {
		return domain.Errorf(domain.CodeConflict, "a customer with email %s already exists", c.Email)
	}
	if err != nil {
		return fmt.Errorf("create customer %s: %w", c.CustomerID, err)
	}
	return nil
}

// Customer returns the customer or a CodeNotFound error.
func (s *Customers) Customer(ctx context.Context, id string) (domain.Customer, error) {
	c, err := scanCustomer(s.db.queryRow(ctx, "SELECT "+customerColumns+" FROM customers WHERE customer_id = ?", id))
	if err != nil {
		return domain.Customer{}, notFound(err, "customer", id)
	}
	return c, nil
}

// Customers lists every customer, newest first.
func (s *Customers) Customers(ctx context.Context, page domain.Page) ([]domain.Customer, error) {
	var w where
	w.after(page, "customers", "created_at", "customer_id", false)
	list, err := queryList(ctx, s.db, scanCustomer,
		"SELECT "+customerColumns+" FROM customers"+w.String()+" ORDER BY created_at DESC, customer_id DESC"+limit(page), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list customers: %w", err)
	}
	return list, nil
}

// SeedCustomers stores each customer that is not stored yet. A customer whose id
// or email is already stored is left as it is, so seeding again is harmless.
func (s *Customers) SeedCustomers(ctx context.Context, cs []domain.Customer) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		for _, c := range cs {
			_, err := s.db.exec(ctx, "INSERT INTO customers ("+customerColumns+") VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
				c.CustomerID, c.Name, c.Email, c.Address, dbTime(c.CreatedAt))
			if err != nil {
				return fmt.Errorf("seed customer %s: %w", c.CustomerID, err)
			}
		}
		return nil
	})
}

func scanCustomer(row scanner) (domain.Customer, error) {
	var c domain.Customer
	err := row.Scan(&c.CustomerID, &c.Name, &c.Email, &c.Address, timeCol{&c.CreatedAt})
	return c, err
}
