package store

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/billing"
)

// Invoices keeps the billing service's invoices.
type Invoices struct{ db *DB }

var _ billing.Repository = (*Invoices)(nil)

// NewInvoices returns the invoices repository of db.
func NewInvoices(db *DB) *Invoices { return &Invoices{db: db} }

const invoiceColumns = "invoice_id, order_id, customer_id, customer_name, amount, currency, lines, status, issued_at"

// CreateInvoice stores inv unless its order already has an invoice; either way it
// returns the order's invoice, and created says whether inv was stored.
func (s *Invoices) CreateInvoice(ctx context.Context, inv domain.Invoice) (domain.Invoice, bool, error) {
	lines, err := jsonList(inv.Lines)
	if err != nil {
		return domain.Invoice{}, false, fmt.Errorf("create invoice of order %s: %w", inv.OrderID, err)
	}
	// In PostgreSQL the insert waits for a concurrent transaction that stored an
	// invoice of the same order, and then does nothing.
	n, err := s.db.exec(ctx, "INSERT INTO invoices ("+invoiceColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (order_id) DO NOTHING",
		inv.InvoiceID, inv.OrderID, inv.CustomerID, inv.CustomerName, inv.Amount, inv.Currency, lines,
		string(inv.Status), dbTime(inv.IssuedAt))
	if IsUniqueViolation(err) {
		return domain.Invoice{}, false, domain.Errorf(domain.CodeConflict, "invoice %s already exists", inv.InvoiceID)
	}
	if err != nil {
		return domain.Invoice{}, false, fmt.Errorf("create invoice of order %s: %w", inv.OrderID, err)
	}
	stored, err := scanInvoice(s.db.queryRow(ctx, "SELECT "+invoiceColumns+" FROM invoices WHERE order_id = ?", inv.OrderID))
	if err != nil {
		return domain.Invoice{}, false, fmt.Errorf("read invoice of order %s: %w", inv.OrderID, err)
	}
	return stored, n == 1, nil
}

// Invoice returns the invoice or a CodeNotFound error.
func (s *Invoices) Invoice(ctx context.Context, id string) (domain.Invoice, error) {
	inv, err := scanInvoice(s.db.queryRow(ctx, "SELECT "+invoiceColumns+" FROM invoices WHERE invoice_id = ?", id))
	if err != nil {
		return domain.Invoice{}, notFound(err, "invoice", id)
	}
	return inv, nil
}

// Invoices lists invoices, newest first; orderID and customerID, when set, filter.
func (s *Invoices) Invoices(ctx context.Context, orderID, customerID string, page domain.Page) ([]domain.Invoice, error) {
	var w where
	w.eq("order_id", orderID)
	w.eq("customer_id", customerID)
	w.after(page, "invoices", "issued_at", "invoice_id", false)
	list, err := queryList(ctx, s.db, scanInvoice,
		"SELECT "+invoiceColumns+" FROM invoices"+w.String()+" ORDER BY issued_at DESC, invoice_id DESC"+limit(page), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list invoices: %w", err)
	}
	return list, nil
}

func scanInvoice(row scanner) (domain.Invoice, error) {
	var inv domain.Invoice
	var status string
	err := row.Scan(&inv.InvoiceID, &inv.OrderID, &inv.CustomerID, &inv.CustomerName, &inv.Amount, &inv.Currency,
		listCol[domain.InvoiceLine]{&inv.Lines}, &status, timeCol{&inv.IssuedAt})
	inv.Status = domain.InvoiceStatus(status)
	return inv, err
}
