package acceptance

import (
	"fmt"
	"time"

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

// checkStock checks that stock is conserved. Products and reservations are read
// one after the other, so a change between the two reads (an asynchronous
// variant still at work) is waited out, until the suite's timeout.
func (s *Suite) checkStock() {
	s.t.Helper()
	s.eventually(s.stockProblems)
}

func (s *Suite) stockProblems() []string {
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
	var problems []string
	for _, p := range ps {
		initial, known := s.initial[p.ProductID]
		if known && p.Stock+held[p.ProductID] != initial {
			problems = append(problems, fmt.Sprintf("stock of %s (%s) is not conserved: stock %d + held %d != initial %d",
				p.Code, p.ProductID, p.Stock, held[p.ProductID], initial))
		}
		if p.Stock < 0 {
			problems = append(problems, fmt.Sprintf("stock of %s is negative: %d", p.Code, p.Stock))
		}
	}
	return problems
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
	s.eventually(func() []string { return s.reservationProblems(s.Order(o.OrderID)) })
	switch o.Status {
	case domain.OrderCompleted:
		s.checkCompleted(o)
	case domain.OrderCanceled:
		s.eventually(func() []string {
			var held []string
			for _, r := range s.Reservations(o.OrderID) {
				if r.HoldsStock() {
					held = append(held, fmt.Sprintf("cancelled order %s holds stock: reservation %s is %s", o.OrderID, r.ReservationID, r.Status))
				}
			}
			return held
		})
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
	s.eventually(func() []string {
		var open []string
		for _, r := range s.Reservations(o.OrderID) {
			if r.Status == domain.ReservationReserved {
				open = append(open, fmt.Sprintf("completed order %s: reservation %s is still RESERVED, want CONFIRMED", o.OrderID, r.ReservationID))
			}
		}
		return open
	})
}

// eventually polls problems until it reports none or the suite's timeout
// passes, then reports the last ones: an invariant that an asynchronous variant
// makes true shortly after the state it follows from is waited for.
func (s *Suite) eventually(problems func() []string) {
	s.t.Helper()
	deadline := time.Now().Add(s.opts.Timeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		ps := problems()
		if len(ps) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range ps {
				s.t.Error(p)
			}
			return
		}
		time.Sleep(wait)
	}
}

// reservationProblems checks that the order and the warehouse agree: every
// RESERVED item has a reservation that holds its stock, and every reservation
// that holds stock belongs to a RESERVED item of the order.
func (s *Suite) reservationProblems(o domain.Order) []string {
	s.t.Helper()
	byID := map[string]domain.Reservation{}
	var problems []string
	for _, r := range s.Reservations(o.OrderID) {
		byID[r.ReservationID] = r
		if !r.HoldsStock() {
			continue
		}
		if it := o.Item(r.ItemID); it == nil || it.Status != domain.ItemReserved || it.ReservationID != r.ReservationID {
			problems = append(problems, fmt.Sprintf("order %s (%s): reservation %s is %s but its item %s is not a RESERVED item of the order",
				o.OrderID, o.Status, r.ReservationID, r.Status, r.ItemID))
		}
	}
	for _, it := range o.Items {
		if r, ok := byID[it.ReservationID]; it.Status == domain.ItemReserved && (!ok || !r.HoldsStock()) {
			problems = append(problems, fmt.Sprintf("order %s (%s): item %s is RESERVED but its reservation %q is %s",
				o.OrderID, o.Status, it.ItemID, it.ReservationID, r.Status))
		}
	}
	return problems
}
