package grpc

import (
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	labv1 "github.com/microservice-patterns/lab/shared/proto/lab/v1"
)

// The conversions between the domain's values and the contract's messages
// (shared/proto/lab/v1): times travel as Unix nanoseconds in UTC, 0 for unset.

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func customerPB(c domain.Customer) *labv1.Customer {
	return &labv1.Customer{CustomerId: c.CustomerID, Name: c.Name, Email: c.Email, Address: c.Address, CreatedAt: unixNano(c.CreatedAt)}
}

func customerOf(c *labv1.Customer) domain.Customer {
	return domain.Customer{CustomerID: c.GetCustomerId(), Name: c.GetName(), Email: c.GetEmail(), Address: c.GetAddress(),
		CreatedAt: fromUnixNano(c.GetCreatedAt())}
}

func productPB(p domain.Product) *labv1.Product {
	return &labv1.Product{ProductId: p.ProductID, Code: p.Code, Name: p.Name, Description: p.Description,
		Stock: int32(p.Stock), Price: p.Price, Currency: p.Currency}
}

func productOf(p *labv1.Product) domain.Product {
	return domain.Product{ProductID: p.GetProductId(), Code: p.GetCode(), Name: p.GetName(), Description: p.GetDescription(),
		Stock: int(p.GetStock()), Price: p.GetPrice(), Currency: p.GetCurrency()}
}

func reservationPB(r domain.Reservation) *labv1.Reservation {
	return &labv1.Reservation{ReservationId: r.ReservationID, OrderId: r.OrderID, ItemId: r.ItemID, ProductId: r.ProductID,
		Quantity: int32(r.Quantity), UnitPrice: r.UnitPrice, Currency: r.Currency, Status: string(r.Status), Reason: r.Reason,
		CreatedAt: unixNano(r.CreatedAt), UpdatedAt: unixNano(r.UpdatedAt)}
}

func reservationOf(r *labv1.Reservation) domain.Reservation {
	return domain.Reservation{ReservationID: r.GetReservationId(), OrderID: r.GetOrderId(), ItemID: r.GetItemId(),
		ProductID: r.GetProductId(), Quantity: int(r.GetQuantity()), UnitPrice: r.GetUnitPrice(), Currency: r.GetCurrency(),
		Status: domain.ReservationStatus(r.GetStatus()), Reason: r.GetReason(),
		CreatedAt: fromUnixNano(r.GetCreatedAt()), UpdatedAt: fromUnixNano(r.GetUpdatedAt())}
}

func orderPB(o domain.Order) *labv1.Order {
	items := make([]*labv1.OrderItem, 0, len(o.Items))
	for _, it := range o.Items {
		items = append(items, &labv1.OrderItem{ItemId: it.ItemID, ProductId: it.ProductID, Quantity: int32(it.Quantity),
			UnitPrice: it.UnitPrice, Status: string(it.Status), ReservationId: it.ReservationID})
	}
	return &labv1.Order{OrderId: o.OrderID, CustomerId: o.CustomerID, Name: o.Name, Description: o.Description,
		Status: string(o.Status), Items: items, Total: o.Total, Currency: o.Currency,
		CreatedAt: unixNano(o.CreatedAt), UpdatedAt: unixNano(o.UpdatedAt)}
}

func orderOf(o *labv1.Order) domain.Order {
	items := make([]domain.OrderItem, 0, len(o.GetItems()))
	for _, it := range o.GetItems() {
		items = append(items, domain.OrderItem{ItemID: it.GetItemId(), ProductID: it.GetProductId(), Quantity: int(it.GetQuantity()),
			UnitPrice: it.GetUnitPrice(), Status: domain.ItemStatus(it.GetStatus()), ReservationID: it.GetReservationId()})
	}
	return domain.Order{OrderID: o.GetOrderId(), CustomerID: o.GetCustomerId(), Name: o.GetName(), Description: o.GetDescription(),
		Status: domain.OrderStatus(o.GetStatus()), Items: items, Total: o.GetTotal(), Currency: o.GetCurrency(),
		CreatedAt: fromUnixNano(o.GetCreatedAt()), UpdatedAt: fromUnixNano(o.GetUpdatedAt())}
}

func shipmentPB(s domain.Shipment) *labv1.Shipment {
	items := make([]*labv1.ShipmentItem, 0, len(s.Items))
	for _, it := range s.Items {
		items = append(items, &labv1.ShipmentItem{ProductId: it.ProductID, Quantity: int32(it.Quantity)})
	}
	out := &labv1.Shipment{ShipmentId: s.ShipmentID, OrderId: s.OrderID, CustomerId: s.CustomerID, Address: s.Address,
		Items: items, Status: string(s.Status), CreatedAt: unixNano(s.CreatedAt)}
	if s.ShippedAt != nil {
		out.ShippedAt = unixNano(*s.ShippedAt)
	}
	return out
}

func shipmentOf(s *labv1.Shipment) domain.Shipment {
	items := make([]domain.ShipmentItem, 0, len(s.GetItems()))
	for _, it := range s.GetItems() {
		items = append(items, domain.ShipmentItem{ProductID: it.GetProductId(), Quantity: int(it.GetQuantity())})
	}
	out := domain.Shipment{ShipmentID: s.GetShipmentId(), OrderID: s.GetOrderId(), CustomerID: s.GetCustomerId(),
		Address: s.GetAddress(), Items: items, Status: domain.ShipmentStatus(s.GetStatus()), CreatedAt: fromUnixNano(s.GetCreatedAt())}
	if s.GetShippedAt() != 0 {
		at := fromUnixNano(s.GetShippedAt())
		out.ShippedAt = &at
	}
	return out
}

func invoicePB(inv domain.Invoice) *labv1.Invoice {
	lines := make([]*labv1.InvoiceLine, 0, len(inv.Lines))
	for _, l := range inv.Lines {
		lines = append(lines, &labv1.InvoiceLine{ProductId: l.ProductID, Quantity: int32(l.Quantity), UnitPrice: l.UnitPrice})
	}
	return &labv1.Invoice{InvoiceId: inv.InvoiceID, OrderId: inv.OrderID, CustomerId: inv.CustomerID, CustomerName: inv.CustomerName,
		Amount: inv.Amount, Currency: inv.Currency, Lines: lines, Status: string(inv.Status), IssuedAt: unixNano(inv.IssuedAt)}
}

func invoiceOf(inv *labv1.Invoice) domain.Invoice {
	lines := make([]domain.InvoiceLine, 0, len(inv.GetLines()))
	for _, l := range inv.GetLines() {
		lines = append(lines, domain.InvoiceLine{ProductID: l.GetProductId(), Quantity: int(l.GetQuantity()), UnitPrice: l.GetUnitPrice()})
	}
	return domain.Invoice{InvoiceID: inv.GetInvoiceId(), OrderID: inv.GetOrderId(), CustomerID: inv.GetCustomerId(),
		CustomerName: inv.GetCustomerName(), Amount: inv.GetAmount(), Currency: inv.GetCurrency(), Lines: lines,
		Status: domain.InvoiceStatus(inv.GetStatus()), IssuedAt: fromUnixNano(inv.GetIssuedAt())}
}
