package acceptance

import (
	"net/http"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/gateway"
)

// compensated runs where the variant's flow undoes a step refused for good (a
// saga's compensation), which /api/lab/info announces with the total above
// which billing refuses an order (features.refuseAbove): an order above it
// ships, billing refuses it, and the flow undoes what it did in reverse — the
// shipment is cancelled, the reservation released (the stock returns) and the
// order ends CANCELED with a reason, without an invoice.
func compensated(s *Suite) {
	var info gateway.LabInfo
	s.api.Get("/api/lab/info", &info)
	limit := info.Features.RefuseAbove
	if limit <= 0 {
		s.t.Skip("the variant's flow does not compensate: /api/lab/info has no features.refuseAbove")
	}
	p := s.NewProduct(5, limit+1)
	o := s.CreateOrder(SeedCustomerID)
	it := s.AddItem(o.OrderID, p.ProductID, 2)
	if it.Status != domain.ItemReserved {
		s.t.Fatalf("item: got %s, want RESERVED", it.Status)
	}
	if got := s.Product(p.ProductID).Stock; got != 3 {
		s.t.Errorf("stock after reserving 2 of 5: got %d, want 3", got)
	}
	s.api.Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, nil)
	done := s.WaitOrder(o.OrderID, domain.OrderCanceled)
	if done.Reason == "" {
		s.t.Errorf("order %s CANCELED by the flow: no reason given", o.OrderID)
	}
	if done.Total != 0 {
		s.t.Errorf("cancelled order's total: got %d, want 0", done.Total)
	}
	for _, it := range done.Items {
		if it.Status != domain.ItemCanceled {
			s.t.Errorf("item %s of the cancelled order: got %s, want CANCELED", it.ItemID, it.Status)
		}
	}
	if ships := s.Shipments(o.OrderID); len(ships) != 1 || ships[0].Status != domain.ShipmentCanceled {
		s.t.Errorf("shipments: got %+v, want one CANCELED", ships)
	}
	if invs := s.Invoices(o.OrderID); len(invs) != 0 {
		s.t.Errorf("invoices: got %+v, want none", invs)
	}
	if got := s.Product(p.ProductID).Stock; got != 5 {
		s.t.Errorf("stock after the compensation: got %d, want all 5 back", got)
	}
	for _, r := range s.Reservations(o.OrderID) {
		if r.Status != domain.ReservationCanceled {
			s.t.Errorf("reservation %s: got %s, want CANCELED", r.ReservationID, r.Status)
		}
	}
}
