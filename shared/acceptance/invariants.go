package acceptance

import (
	"github.com/microservice-patterns/lab/shared/domain"
)

// CheckInvariants checks CONTRACT.md's invariants over everything the suite knows:
// stock is conserved, a completed order has exactly one shipped shipment and one
// issued invoice of its total, and a cancelled order holds no stock.
func (s *Suite) CheckInvariants() {
	s.t.Helper()
	s.checkStock()
	s.mu.Lock()
	orders := append([]string(nil), s.orders...)
	s.mu.Unlock()
	for _, id := range orders {
		s.checkOrder(s.Order(id))
	}
}

func (s *Suite) checkStock() {
	s.t.Helper()
	var rs []domain.Reservation
	s.api.Get("/api/reservations", &rs)
	held := map[string]int{}
	for _, r := range rs {
		if r.HoldsStock() {
			held[r.ProductID] += r.Quantity
		}
	}
	var ps []domain.Product
	s.api.Get("/api/products", &ps)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		initial, known := s.initial[p.ProductID]
		if known && p.Stock+held[p.ProductID] != initial {
			s.t.Errorf("stock of %s (%s) is not conserved: stock %d + held %d != initial %d",
				p.Code, p.ProductID, p.Stock, held[p.ProductID], initial)
		}
		if p.Stock < 0 {
			s.t.Errorf("stock of %s is negative: %d", p.Code, p.Stock)
		}
	}
}

func (s *Suite) checkOrder(o domain.Order) {
	s.t.Helper()
	var total int64
	for _, it := range o.Items {
		if it.Status == domain.ItemReserved {
			total += int64(it.Quantity) * it.UnitPrice
		}
	}
	if o.Total != total {
		s.t.Errorf("order %s: total %d, want the sum over reserved items %d", o.OrderID, o.Total, total)
	}
	switch o.Status {
	case domain.OrderCompleted:
		s.checkCompleted(o)
	case domain.OrderCanceled:
		for _, r := range s.Reservations(o.OrderID) {
			if r.HoldsStock() {
				s.t.Errorf("cancelled order %s holds stock: reservation %s is %s", o.OrderID, r.ReservationID, r.Status)
			}
		}
	}
}

func (s *Suite) checkCompleted(o domain.Order) {
	s.t.Helper()
	ships := s.Shipments(o.OrderID)
	if len(ships) != 1 || ships[0].Status != domain.ShipmentShipped {
		s.t.Errorf("completed order %s: got %d shipments %v, want exactly one SHIPPED", o.OrderID, len(ships), ships)
	}
	invs := s.Invoices(o.OrderID)
	if len(invs) != 1 || invs[0].Status != domain.InvoiceIssued || invs[0].Amount != o.Total {
		s.t.Errorf("completed order %s (total %d): got invoices %+v, want exactly one ISSUED of the total", o.OrderID, o.Total, invs)
	}
	for _, r := range s.Reservations(o.OrderID) {
		if r.Status == domain.ReservationReserved {
			s.t.Errorf("completed order %s: reservation %s is still RESERVED, want CONFIRMED", o.OrderID, r.ReservationID)
		}
	}
}
