package clients

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/billing"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/services/shipping"
)

// Compile-time checks that the clients satisfy the ports they are wired into.
var (
	_ ordering.Customers    = (*Customers)(nil)
	_ shipping.Customers    = (*Customers)(nil)
	_ billing.Customers     = (*Customers)(nil)
	_ ordering.Catalog      = (*Warehouse)(nil)
	_ ordering.Reservations = (*Warehouse)(nil)
	_ ordering.Shipping     = (*Shipping)(nil)
	_ ordering.Billing      = (*Billing)(nil)
	_ shipping.Orders       = (*Ordering)(nil)
	_ billing.Orders        = (*Ordering)(nil)
)

// Customers is a client of the customers service.
type Customers struct{ *Client }

// NewCustomers returns a client of the customers service at baseURL.
func NewCustomers(baseURL string, hc *http.Client) *Customers {
	return &Customers{New("customers", baseURL, hc)}
}

// Customer reads one customer.
func (c *Customers) Customer(ctx context.Context, id string) (domain.Customer, error) {
	var v domain.Customer
	return v, c.do(ctx, http.MethodGet, "/api/customers/"+url.PathEscape(id), nil, &v)
}

// Warehouse is a client of the warehouse service.
type Warehouse struct{ *Client }

// NewWarehouse returns a client of the warehouse service at baseURL.
func NewWarehouse(baseURL string, hc *http.Client) *Warehouse {
	return &Warehouse{New("warehouse", baseURL, hc)}
}

// Product reads one product.
func (c *Warehouse) Product(ctx context.Context, id string) (domain.Product, error) {
	var v domain.Product
	return v, c.do(ctx, http.MethodGet, "/api/products/"+url.PathEscape(id), nil, &v)
}

// Reserve asks for stock for an order item; repeating it for the same item is harmless.
func (c *Warehouse) Reserve(ctx context.Context, req domain.ReservationRequest) (domain.Reservation, error) {
	var v domain.Reservation
	return v, c.do(ctx, http.MethodPost, "/internal/reservations", req, &v)
}

// ConfirmReservation confirms a reservation.
func (c *Warehouse) ConfirmReservation(ctx context.Context, id string) (domain.Reservation, error) {
	var v domain.Reservation
	return v, c.do(ctx, http.MethodPost, "/internal/reservations/"+url.PathEscape(id)+"/confirm", nil, &v)
}

// CancelReservation cancels a reservation.
func (c *Warehouse) CancelReservation(ctx context.Context, id string) (domain.Reservation, error) {
	var v domain.Reservation
	return v, c.do(ctx, http.MethodPost, "/internal/reservations/"+url.PathEscape(id)+"/cancel", nil, &v)
}

// OrderReservations lists every reservation of an order, page after page.
func (c *Warehouse) OrderReservations(ctx context.Context, orderID string) ([]domain.Reservation, error) {
	return all[domain.Reservation](ctx, c.Client, "/api/reservations?orderId="+url.QueryEscape(orderID)+
		"&limit="+strconv.Itoa(domain.MaxPageLimit))
}

// Ordering is a client of the ordering service.
type Ordering struct{ *Client }

// NewOrdering returns a client of the ordering service at baseURL.
func NewOrdering(baseURL string, hc *http.Client) *Ordering {
	return &Ordering{New("ordering", baseURL, hc)}
}

// Order reads one order.
func (c *Ordering) Order(ctx context.Context, id string) (domain.Order, error) {
	var v domain.Order
	return v, c.do(ctx, http.MethodGet, "/api/orders/"+url.PathEscape(id), nil, &v)
}

// Shipping is a client of the shipping service.
type Shipping struct{ *Client }

// NewShipping returns a client of the shipping service at baseURL.
func NewShipping(baseURL string, hc *http.Client) *Shipping {
	return &Shipping{New("shipping", baseURL, hc)}
}

// CreateShipment has the order's shipment created and shipped; repeating it is harmless.
func (c *Shipping) CreateShipment(ctx context.Context, orderID string) (domain.Shipment, error) {
	var v domain.Shipment
	return v, c.do(ctx, http.MethodPost, "/internal/shipments", domain.OrderRef{OrderID: orderID}, &v)
}

// Billing is a client of the billing service.
type Billing struct{ *Client }

// NewBilling returns a client of the billing service at baseURL.
func NewBilling(baseURL string, hc *http.Client) *Billing {
	return &Billing{New("billing", baseURL, hc)}
}

// CreateInvoice has the order's invoice issued; repeating it is harmless.
func (c *Billing) CreateInvoice(ctx context.Context, orderID string) (domain.Invoice, error) {
	var v domain.Invoice
	return v, c.do(ctx, http.MethodPost, "/internal/invoices", domain.OrderRef{OrderID: orderID}, &v)
}

// Reservation reads one reservation.
func (c *Warehouse) Reservation(ctx context.Context, id string) (domain.Reservation, error) {
	var v domain.Reservation
	return v, c.do(ctx, http.MethodGet, "/api/reservations/"+url.PathEscape(id), nil, &v)
}
