package acceptance

import (
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

// snapshot is everything the invariants look at: five lists, read whole.
type snapshot struct {
	products     []domain.Product
	reservations []domain.Reservation
	orders       []domain.Order
	shipments    map[string][]domain.Shipment    // by order
	invoices     map[string][]domain.Invoice     // by order
	byOrder      map[string][]domain.Reservation // by order
}

func (s *Suite) snapshot() snapshot {
	s.t.Helper()
	var sn snapshot
	var ships []domain.Shipment
	var invs []domain.Invoice
	GetAll(s.api, "/api/reservations?limit=500", &sn.reservations)
	GetAll(s.api, "/api/products?limit=500", &sn.products)
	s.Fresh()
	GetAll(s.api, "/api/orders?limit=500", &sn.orders)
	GetAll(s.api, "/api/shipments?limit=500", &ships)
	GetAll(s.api, "/api/invoices?limit=500", &invs)
	sn.shipments, sn.invoices, sn.byOrder = map[string][]domain.Shipment{}, map[string][]domain.Invoice{}, map[string][]domain.Reservation{}
	for _, sh := range ships {
		sn.shipments[sh.OrderID] = append(sn.shipments[sh.OrderID], sh)
	}
	for _, inv := range invs {
		sn.invoices[inv.OrderID] = append(sn.invoices[inv.OrderID], inv)
	}
	for _, r := range sn.reservations {
		sn.byOrder[r.OrderID] = append(sn.byOrder[r.OrderID], r)
	}
	return sn
}

// CheckInvariants checks CONTRACT.md's invariants over everything the suite knows:
// stock is conserved; every order's total is the sum over its reserved items, and
// its items and the warehouse's reservations agree; a completed order has exactly
// one shipped shipment and one issued invoice of its total, and its reservations
// are confirmed; a cancelled order holds no stock. An asynchronous variant makes
// some of them true shortly after the state they follow from, so the check is
// repeated until they hold or the suite's timeout passes.
func (s *Suite) CheckInvariants() {
	s.t.Helper()
	s.eventually(func() []string {
		sn := s.snapshot()
		problems := s.stockProblems(sn)
		s.mu.Lock()
		mine := map[string]bool{}
		for _, id := range s.orders {
			mine[id] = true
		}
		s.mu.Unlock()
		for _, o := range sn.orders {
			if mine[o.OrderID] {
				problems = append(problems, orderProblems(o, sn)...)
			}
		}
		return problems
	})
}

func (s *Suite) stockProblems(sn snapshot) []string {
	held := map[string]int{}
	for _, r := range sn.reservations {
		if r.HoldsStock() {
			held[r.ProductID] += r.Quantity
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var problems []string
	for _, p := range sn.products {
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

func orderProblems(o domain.Order, sn snapshot) []string {
	var problems []string
	var total int64
	for _, it := range o.Items {
		if it.Status == domain.ItemReserved {
			total += int64(it.Quantity) * it.UnitPrice
		}
	}
	if o.Total != total {
		problems = append(problems, fmt.Sprintf("order %s: total %d, want the sum over reserved items %d", o.OrderID, o.Total, total))
	}
	problems = append(problems, reservationProblems(o, sn.byOrder[o.OrderID])...)
	switch o.Status {
	case domain.OrderCompleted:
		problems = append(problems, completedProblems(o, sn)...)
	case domain.OrderCanceled:
		for _, r := range sn.byOrder[o.OrderID] {
			if r.HoldsStock() {
				problems = append(problems, fmt.Sprintf("cancelled order %s holds stock: reservation %s is %s", o.OrderID, r.ReservationID, r.Status))
			}
		}
	}
	return problems
}

func completedProblems(o domain.Order, sn snapshot) []string {
	var problems []string
	ships, invs := sn.shipments[o.OrderID], sn.invoices[o.OrderID]
	if len(ships) != 1 || ships[0].Status != domain.ShipmentShipped {
		problems = append(problems, fmt.Sprintf("completed order %s: got %d shipments %v, want exactly one SHIPPED", o.OrderID, len(ships), ships))
	}
	if len(invs) != 1 || invs[0].Status != domain.InvoiceIssued || invs[0].Amount != o.Total {
		problems = append(problems, fmt.Sprintf("completed order %s (total %d): got invoices %+v, want exactly one ISSUED of the total", o.OrderID, o.Total, invs))
	}
	for _, r := range sn.byOrder[o.OrderID] {
		if r.Status == domain.ReservationReserved {
			problems = append(problems, fmt.Sprintf("completed order %s: reservation %s is still RESERVED, want CONFIRMED", o.OrderID, r.ReservationID))
		}
	}
	return problems
}

// reservationProblems checks that the order and the warehouse agree: every
// RESERVED item has a reservation that holds its stock, and every reservation
// that holds stock belongs to a RESERVED item of the order.
func reservationProblems(o domain.Order, rs []domain.Reservation) []string {
	byID := map[string]domain.Reservation{}
	var problems []string
	for _, r := range rs {
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
