package messaging

// The event types of CONTRACT.md. A type is also the routing key of its messages.
const (
	CustomerCreated    = "customer.created"
	ProductChanged     = "product.changed"
	OrderCreated       = "order.created"
	OrderItemAdded     = "order.item-added"
	OrderItemRemoved   = "order.item-removed"
	OrderConfirmed     = "order.confirmed"
	OrderCanceled      = "order.canceled"
	OrderShipped       = "order.shipped"
	OrderCompleted     = "order.completed"
	ReservationChanged = "reservation.changed"
	ShipmentShipped    = "shipment.shipped"
	InvoiceIssued      = "invoice.issued"
)

// EventTypes lists every event type of the lab.
func EventTypes() []string {
	return []string{CustomerCreated, ProductChanged, OrderCreated, OrderItemAdded, OrderItemRemoved,
		OrderConfirmed, OrderCanceled, OrderShipped, OrderCompleted, ReservationChanged, ShipmentShipped,
		InvoiceIssued}
}
