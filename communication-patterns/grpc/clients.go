package grpc

import (
	"context"

	"github.com/microservice-patterns/lab/shared/domain"
	labv1 "github.com/microservice-patterns/lab/shared/proto/lab/v1"
	"github.com/microservice-patterns/lab/shared/services/billing"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/services/shipping"
)

// The gRPC clients of the other services, each satisfying the ports that
// its callers declare, as shared/clients' HTTP ones do for rest.
var (
	_ ordering.Customers    = customersClient{}
	_ shipping.Customers    = customersClient{}
	_ billing.Customers     = customersClient{}
	_ ordering.Catalog      = warehouseClient{}
	_ ordering.Reservations = warehouseClient{}
	_ ordering.Shipping     = shippingClient{}
	_ ordering.Billing      = billingClient{}
	_ shipping.Orders       = orderingClient{}
	_ billing.Orders        = orderingClient{}
)

type customersClient struct{ c labv1.CustomersClient }

func (x customersClient) Customer(ctx context.Context, id string) (domain.Customer, error) {
	c, err := x.c.GetCustomer(ctx, &labv1.GetCustomerRequest{CustomerId: id})
	if err != nil {
		return domain.Customer{}, domainError(ctx, "customers", err)
	}
	return customerOf(c), nil
}

type orderingClient struct{ c labv1.OrderingClient }

func (x orderingClient) Order(ctx context.Context, id string) (domain.Order, error) {
	o, err := x.c.GetOrder(ctx, &labv1.GetOrderRequest{OrderId: id})
	if err != nil {
		return domain.Order{}, domainError(ctx, "ordering", err)
	}
	return orderOf(o), nil
}

type warehouseClient struct{ c labv1.WarehouseClient }

func (x warehouseClient) Product(ctx context.Context, id string) (domain.Product, error) {
	p, err := x.c.GetProduct(ctx, &labv1.GetProductRequest{ProductId: id})
	if err != nil {
		return domain.Product{}, domainError(ctx, "warehouse", err)
	}
	return productOf(p), nil
}

func (x warehouseClient) Reserve(ctx context.Context, req domain.ReservationRequest) (domain.Reservation, error) {
	r, err := x.c.Reserve(ctx, &labv1.ReserveRequest{OrderId: req.OrderID, ItemId: req.ItemID, ProductId: req.ProductID,
		Quantity: int32(req.Quantity)})
	if err != nil {
		return domain.Reservation{}, domainError(ctx, "warehouse", err)
	}
	return reservationOf(r.GetReservation()), nil
}

func (x warehouseClient) ConfirmReservation(ctx context.Context, id string) (domain.Reservation, error) {
	r, err := x.c.ConfirmReservation(ctx, &labv1.ReservationRef{ReservationId: id})
	if err != nil {
		return domain.Reservation{}, domainError(ctx, "warehouse", err)
	}
	return reservationOf(r), nil
}

func (x warehouseClient) CancelReservation(ctx context.Context, id string) (domain.Reservation, error) {
	r, err := x.c.CancelReservation(ctx, &labv1.ReservationRef{ReservationId: id})
	if err != nil {
		return domain.Reservation{}, domainError(ctx, "warehouse", err)
	}
	return reservationOf(r), nil
}

func (x warehouseClient) OrderReservations(ctx context.Context, orderID string) ([]domain.Reservation, error) {
	list, err := x.c.ListOrderReservations(ctx, &labv1.OrderRef{OrderId: orderID})
	if err != nil {
		return nil, domainError(ctx, "warehouse", err)
	}
	out := make([]domain.Reservation, 0, len(list.GetReservations()))
	for _, r := range list.GetReservations() {
		out = append(out, reservationOf(r))
	}
	return out, nil
}

type shippingClient struct{ c labv1.ShippingClient }

func (x shippingClient) CreateShipment(ctx context.Context, orderID string) (domain.Shipment, error) {
	r, err := x.c.CreateShipment(ctx, &labv1.OrderRef{OrderId: orderID})
	if err != nil {
		return domain.Shipment{}, domainError(ctx, "shipping", err)
	}
	return shipmentOf(r.GetShipment()), nil
}

type billingClient struct{ c labv1.BillingClient }

func (x billingClient) CreateInvoice(ctx context.Context, orderID string) (domain.Invoice, error) {
	r, err := x.c.IssueInvoice(ctx, &labv1.OrderRef{OrderId: orderID})
	if err != nil {
		return domain.Invoice{}, domainError(ctx, "billing", err)
	}
	return invoiceOf(r.GetInvoice()), nil
}
