package domain

import (
	"strings"
	"time"
)

// Product is an article the warehouse sells. Stock is what is available to reserve now.
type Product struct {
	ProductID   string `json:"productId"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Stock       int    `json:"stock"`
	Price       int64  `json:"price"`
	Currency    string `json:"currency"`
}

// NewProduct is the input of a product creation.
type NewProduct struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Stock       int    `json:"stock"`
	Price       int64  `json:"price"`
	Currency    string `json:"currency"`
}

// MaxStock bounds the stock of one product so that sums never overflow.
const MaxStock = 1_000_000_000

// Validate trims the fields and checks them.
func (n *NewProduct) Validate() error {
	n.Code, n.Name, n.Description = strings.TrimSpace(n.Code), strings.TrimSpace(n.Name), strings.TrimSpace(n.Description)
	var v validator
	v.check(n.Code != "" && len(n.Code) <= 64, "code", "is required, at most 64 characters")
	v.check(n.Name != "" && len(n.Name) <= 200, "name", "is required, at most 200 characters")
	v.check(len(n.Description) <= 2000, "description", "is at most 2000 characters")
	v.check(n.Stock >= 0 && n.Stock <= MaxStock, "stock", "must be between 0 and 1000000000")
	v.check(n.Price >= 0 && n.Price <= 100_000_000_00, "price", "must be between 0 and 10000000000 cents")
	v.check(n.Currency == Currency, "currency", "must be EUR, the one currency of the lab")
	return v.err()
}

// ReservationStatus is the state of a reservation.
type ReservationStatus string

// The reservation states.
const (
	ReservationReserved  ReservationStatus = "RESERVED"
	ReservationRejected  ReservationStatus = "REJECTED"
	ReservationConfirmed ReservationStatus = "CONFIRMED"
	ReservationCanceled  ReservationStatus = "CANCELED"
)

// Reservation holds stock of one product for one order item.
type Reservation struct {
	ReservationID string            `json:"reservationId"`
	OrderID       string            `json:"orderId"`
	ItemID        string            `json:"itemId"`
	ProductID     string            `json:"productId"`
	Quantity      int               `json:"quantity"`
	UnitPrice     int64             `json:"unitPrice"`
	Currency      string            `json:"currency"`
	Status        ReservationStatus `json:"status"`
	Reason        string            `json:"reason,omitempty"`
	CreatedAt     time.Time         `json:"createdAt"`
	UpdatedAt     time.Time         `json:"updatedAt"`
}

// ReservationRequest asks the warehouse to hold stock for an order item.
type ReservationRequest struct {
	OrderID   string `json:"orderId"`
	ItemID    string `json:"itemId"`
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// Validate checks the request.
func (r ReservationRequest) Validate() error {
	var v validator
	v.check(ValidID(r.OrderID), "orderId", IDMessage)
	v.check(ValidID(r.ItemID), "itemId", IDMessage)
	v.check(ValidID(r.ProductID), "productId", IDMessage)
	v.check(r.Quantity >= MinQuantity && r.Quantity <= MaxQuantity, "quantity", "must be between 1 and 1000")
	return v.err()
}

// HoldsStock reports whether the reservation's quantity is taken from the product's stock.
func (r Reservation) HoldsStock() bool {
	return r.Status == ReservationReserved || r.Status == ReservationConfirmed
}

// Transition moves the reservation to the state to. Repeating a move that already
// happened is a no-op (changed is false); any other move out of a final state is a conflict.
// releases reports whether the move returns the held stock.
func (r *Reservation) Transition(to ReservationStatus, now time.Time) (changed, releases bool, err error) {
	if r.Status == to {
		return false, false, nil
	}
	switch {
	case to == ReservationConfirmed && r.Status == ReservationReserved:
	case to == ReservationCanceled && (r.Status == ReservationReserved || r.Status == ReservationRejected):
		releases = r.Status == ReservationReserved
	default:
		return false, false, Errorf(CodeConflict, "reservation %s is %s and cannot become %s", r.ReservationID, r.Status, to)
	}
	r.Status, r.UpdatedAt = to, now
	return true, releases, nil
}
