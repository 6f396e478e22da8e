package domain

import (
	"strings"
	"time"
)

// OrderStatus is the state of an order.
type OrderStatus string

// The order states: OPEN → CONFIRMED → SHIPPED → COMPLETED, and OPEN → CANCELED.
const (
	OrderOpen      OrderStatus = "OPEN"
	OrderConfirmed OrderStatus = "CONFIRMED"
	OrderShipped   OrderStatus = "SHIPPED"
	OrderCompleted OrderStatus = "COMPLETED"
	OrderCanceled  OrderStatus = "CANCELED"
)

// ValidOrderStatus reports whether s names an order state.
func ValidOrderStatus(s string) bool {
	switch OrderStatus(s) {
	case OrderOpen, OrderConfirmed, OrderShipped, OrderCompleted, OrderCanceled:
		return true
	}
	return false
}

// ItemStatus is the state of an order item.
type ItemStatus string

// The item states: PENDING → RESERVED | REJECTED, and any → CANCELED.
const (
	ItemPending  ItemStatus = "PENDING"
	ItemReserved ItemStatus = "RESERVED"
	ItemRejected ItemStatus = "REJECTED"
	ItemCanceled ItemStatus = "CANCELED"
)

// The bounds of an item's quantity.
const (
	MinQuantity = 1
	MaxQuantity = 1000
)

// OrderItem is one product line of an order.
type OrderItem struct {
	ItemID        string     `json:"itemId"`
	ProductID     string     `json:"productId"`
	Quantity      int        `json:"quantity"`
	UnitPrice     int64      `json:"unitPrice"`
	Status        ItemStatus `json:"status"`
	ReservationID string     `json:"reservationId,omitempty"`
}

// Order is a customer's order.
type Order struct {
	OrderID     string      `json:"orderId"`
	CustomerID  string      `json:"customerId"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Status      OrderStatus `json:"status"`
	Items       []OrderItem `json:"items"`
	Total       int64       `json:"total"`
	Currency    string      `json:"currency"`
	CreatedAt   time.Time   `json:"createdAt"`
	UpdatedAt   time.Time   `json:"updatedAt"`
	// Reason says why the flow cancelled a confirmed order (messaging's saga
	// compensates a refused step); it is absent everywhere else.
	Reason string `json:"reason,omitempty"`
}

// NewOrder is the input of an order creation.
type NewOrder struct {
	CustomerID  string `json:"customerId"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Validate trims the fields and checks them.
func (n *NewOrder) Validate() error {
	n.Name, n.Description = strings.TrimSpace(n.Name), strings.TrimSpace(n.Description)
	var v validator
	v.check(ValidID(n.CustomerID), "customerId", IDMessage)
	v.check(len(n.Name) <= 200, "name", "is at most 200 characters")
	v.check(len(n.Description) <= 2000, "description", "is at most 2000 characters")
	return v.err()
}

// NewItem is the input of adding an item to an order.
type NewItem struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// Validate checks the input.
func (n NewItem) Validate() error {
	var v validator
	v.check(ValidID(n.ProductID), "productId", IDMessage)
	v.check(n.Quantity >= MinQuantity && n.Quantity <= MaxQuantity, "quantity", "must be between 1 and 1000")
	return v.err()
}

// Item returns the item with the id, or nil.
func (o *Order) Item(itemID string) *OrderItem {
	for i := range o.Items {
		if o.Items[i].ItemID == itemID {
			return &o.Items[i]
		}
	}
	return nil
}

// The bounds of an order's items: at most MaxLiveItems that are not CANCELED,
// and at most MaxItems in all, the CANCELED ones included (an order keeps its
// cancelled items, so add and remove cycles must not grow it without bound).
const (
	MaxLiveItems = 100
	MaxItems     = 200
)

// CheckAddItem refuses an item the order cannot take: the order is not OPEN,
// the product is already in the order as an item that is not CANCELED, or the
// order holds as many items as it may (MaxLiveItems, MaxItems).
func (o *Order) CheckAddItem(productID string) error {
	if o.Status != OrderOpen {
		return Errorf(CodeConflict, "order %s is %s: items can be added only while it is OPEN", o.OrderID, o.Status)
	}
	live := 0
	for _, it := range o.Items {
		if it.Status == ItemCanceled {
			continue
		}
		live++
		if it.ProductID == productID {
			return Errorf(CodeConflict, "product %s is already in order %s as item %s", productID, o.OrderID, it.ItemID)
		}
	}
	if live >= MaxLiveItems {
		return Errorf(CodeConflict, "order %s holds %d items that are not CANCELED, the most an order may hold: remove one first",
			o.OrderID, MaxLiveItems)
	}
	if len(o.Items) >= MaxItems {
		return Errorf(CodeConflict, "order %s has %d items, CANCELED ones included, the most an order may have: place a new order",
			o.OrderID, MaxItems)
	}
	return nil
}

// CheckRemoveItem refuses removing an item unless the order is OPEN and has the item.
func (o *Order) CheckRemoveItem(itemID string) (*OrderItem, error) {
	it := o.Item(itemID)
	if it == nil {
		return nil, Errorf(CodeNotFound, "order %s has no item %s", o.OrderID, itemID)
	}
	if o.Status != OrderOpen && it.Status != ItemCanceled {
		return nil, Errorf(CodeConflict, "order %s is %s: items can be removed only while it is OPEN", o.OrderID, o.Status)
	}
	return it, nil
}

// Live returns the items that are not CANCELED.
func (o *Order) Live() []OrderItem {
	var live []OrderItem
	for _, it := range o.Items {
		if it.Status != ItemCanceled {
			live = append(live, it)
		}
	}
	return live
}

// Confirm moves an OPEN order to CONFIRMED when it has at least one live item and
// every live item is RESERVED. On a CONFIRMED or SHIPPED order it is a no-op
// (changed is false) so that the caller can resume the unfinished steps.
func (o *Order) Confirm(now time.Time) (changed bool, err error) {
	switch o.Status {
	case OrderConfirmed, OrderShipped:
		return false, nil
	case OrderOpen:
	default:
		return false, Errorf(CodeConflict, "order %s is %s and cannot be confirmed", o.OrderID, o.Status)
	}
	live := o.Live()
	if len(live) == 0 {
		return false, Errorf(CodeConflict, "order %s has no items to confirm", o.OrderID)
	}
	for _, it := range live {
		if it.Status != ItemReserved {
			return false, Errorf(CodeConflict, "order %s cannot be confirmed: item %s is %s, every item must be RESERVED (remove it first)", o.OrderID, it.ItemID, it.Status)
		}
	}
	o.Status, o.UpdatedAt = OrderConfirmed, now
	return true, nil
}

// CancelItems cancels every item of an OPEN order, which keeps it OPEN: the first
// step of a cancel that must release stock elsewhere before the order is CANCELED.
// An order without live items cannot be confirmed, so a concurrent confirm is refused.
func (o *Order) CancelItems(now time.Time) error {
	if o.Status != OrderOpen {
		return Errorf(CodeConflict, "order %s is %s: only an OPEN order can be cancelled", o.OrderID, o.Status)
	}
	for i := range o.Items {
		o.Items[i].Status = ItemCanceled
	}
	o.UpdatedAt = now
	o.Recalculate()
	return nil
}

// Cancel moves an OPEN order to CANCELED and cancels every item.
func (o *Order) Cancel(now time.Time) error {
	if err := o.CancelItems(now); err != nil {
		return err
	}
	o.Status = OrderCanceled
	return nil
}

// advance moves the order from one state to the next; repeating it is a no-op.
func (o *Order) advance(from, to OrderStatus, now time.Time) (bool, error) {
	switch o.Status {
	case to:
		return false, nil
	case from:
		o.Status, o.UpdatedAt = to, now
		return true, nil
	}
	return false, Errorf(CodeConflict, "order %s is %s and cannot become %s", o.OrderID, o.Status, to)
}

// MarkShipped moves a CONFIRMED order to SHIPPED.
func (o *Order) MarkShipped(now time.Time) (bool, error) {
	return o.advance(OrderConfirmed, OrderShipped, now)
}

// MarkCompleted moves a SHIPPED order to COMPLETED.
func (o *Order) MarkCompleted(now time.Time) (bool, error) {
	return o.advance(OrderShipped, OrderCompleted, now)
}

// SetItemOutcome records the warehouse's answer for a PENDING item. An item that is
// no longer PENDING keeps its state, so a late or repeated answer changes nothing.
func (o *Order) SetItemOutcome(itemID, reservationID string, status ItemStatus, now time.Time) bool {
	it := o.Item(itemID)
	if it == nil || it.Status != ItemPending {
		return false
	}
	it.Status, it.ReservationID, o.UpdatedAt = status, reservationID, now
	o.Recalculate()
	return true
}

// Recalculate sets Total to the sum of quantity × unit price over RESERVED items.
func (o *Order) Recalculate() {
	var total int64
	for _, it := range o.Items {
		if it.Status == ItemReserved {
			total += int64(it.Quantity) * it.UnitPrice
		}
	}
	o.Total = total
}
