package domain

import "time"

// ShipmentStatus is the state of a shipment: PENDING → SHIPPED, and PENDING |
// SHIPPED → CANCELED when a saga undoes it (messaging only).
type ShipmentStatus string

// The shipment states.
const (
	ShipmentPending  ShipmentStatus = "PENDING"
	ShipmentShipped  ShipmentStatus = "SHIPPED"
	ShipmentCanceled ShipmentStatus = "CANCELED"
)

// ShipmentItem is one product line of a shipment.
type ShipmentItem struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// Shipment carries the goods of one order to its customer.
type Shipment struct {
	ShipmentID string         `json:"shipmentId"`
	OrderID    string         `json:"orderId"`
	CustomerID string         `json:"customerId"`
	Address    string         `json:"address"`
	Items      []ShipmentItem `json:"items"`
	Status     ShipmentStatus `json:"status"`
	CreatedAt  time.Time      `json:"createdAt"`
	ShippedAt  *time.Time     `json:"shippedAt,omitempty"`
}

// Ship moves a PENDING shipment to SHIPPED; shipping it again is a no-op.
func (s *Shipment) Ship(now time.Time) bool {
	if s.Status == ShipmentShipped || s.Status == ShipmentCanceled {
		return false
	}
	s.Status, s.ShippedAt = ShipmentShipped, &now
	return true
}

// InvoiceStatus is the state of an invoice.
type InvoiceStatus string

// InvoiceIssued is the state of an issued invoice.
const InvoiceIssued InvoiceStatus = "ISSUED"

// InvoiceLine is one billed product line.
type InvoiceLine struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unitPrice"`
}

// Invoice bills one shipped order.
type Invoice struct {
	InvoiceID    string        `json:"invoiceId"`
	OrderID      string        `json:"orderId"`
	CustomerID   string        `json:"customerId"`
	CustomerName string        `json:"customerName"`
	Amount       int64         `json:"amount"`
	Currency     string        `json:"currency"`
	Lines        []InvoiceLine `json:"lines"`
	Status       InvoiceStatus `json:"status"`
	IssuedAt     time.Time     `json:"issuedAt"`
}

// OrderRef is the input of the internal shipment and invoice creations.
type OrderRef struct {
	OrderID string `json:"orderId"`
}

// Validate checks the reference.
func (r OrderRef) Validate() error { return CheckID("orderId", r.OrderID) }
