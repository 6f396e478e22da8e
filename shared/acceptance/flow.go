package acceptance

import (
	"net/http"
	"strings"
	"sync"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/customers"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// Scenario is one named part of the suite.
type Scenario struct {
	Name string
	Run  func(s *Suite)
}

// Scenarios are the parts of the suite, in the order they run.
var Scenarios = []Scenario{
	{"order completes: reserved, confirmed, shipped, invoiced", completes},
	{"not enough stock: item rejected, order confirms without it", rejected},
	{"cancelled order returns all its stock", cancelled},
	{"removed item returns its stock", removed},
	{"illegal moves are refused and change nothing", illegalMoves},
	{"bad input is refused with a problem and changes nothing", badInput},
	{"concurrent orders never oversell", concurrent},
	{"a cancel racing a confirm never leaves an order stuck", cancelRacesConfirm},
	{"seed data and lists", seedAndLists},
	{"lists come in pages that a Link header chains", pages},
	{"a step refused for good is compensated in reverse (where the flow compensates)", compensated},
}

func completes(s *Suite) {
	kb, ms := warehouse.Seed[0], warehouse.Seed[1]
	stockKB, stockMS := s.Product(kb.ProductID).Stock, s.Product(ms.ProductID).Stock
	o := s.CreateOrder(SeedCustomerID)
	a, b := s.AddItem(o.OrderID, kb.ProductID, 2), s.AddItem(o.OrderID, ms.ProductID, 1)
	for _, it := range []domain.OrderItem{a, b} {
		if it.Status != domain.ItemReserved || it.ReservationID == "" {
			s.t.Fatalf("item %s: got %s with reservation %q, want RESERVED with one", it.ItemID, it.Status, it.ReservationID)
		}
	}
	if got := s.Product(kb.ProductID).Stock; got != stockKB-2 {
		s.t.Errorf("stock of %s after reserving 2: got %d, want %d", kb.Code, got, stockKB-2)
	}
	want := 2*kb.Price + ms.Price
	if got := s.Order(o.OrderID).Total; got != want {
		s.t.Errorf("total: got %d, want %d", got, want)
	}
	s.api.Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, nil)
	done := s.WaitOrder(o.OrderID, domain.OrderCompleted)
	ships := s.Shipments(o.OrderID)
	if len(ships) != 1 || ships[0].Address != customers.Seed[0].Address || len(ships[0].Items) != 2 || ships[0].ShippedAt == nil {
		s.t.Errorf("shipment: got %+v, want one shipped to %q with 2 items", ships, customers.Seed[0].Address)
	}
	invs := s.Invoices(o.OrderID)
	if len(invs) != 1 || invs[0].Amount != want || invs[0].CustomerName != customers.Seed[0].Name || len(invs[0].Lines) != 2 {
		s.t.Errorf("invoice: got %+v, want one of %d for %s with 2 lines", invs, want, customers.Seed[0].Name)
	}
	// Asynchronous variants confirm the reservations beside shipping and billing.
	Eventually(s.t, s.opts.Timeout, "every reservation to be CONFIRMED", func() bool {
		for _, r := range s.Reservations(o.OrderID) {
			if r.Status != domain.ReservationConfirmed {
				return false
			}
		}
		return true
	})
	if got := s.Product(ms.ProductID).Stock; got != stockMS-1 {
		s.t.Errorf("sold stock stays taken: got %d, want %d", got, stockMS-1)
	}
	if done.Total != want {
		s.t.Errorf("completed total: got %d, want %d", done.Total, want)
	}
}

func rejected(s *Suite) {
	p := s.NewProduct(2, 1500)
	o := s.CreateOrder(SeedCustomerID)
	it := s.AddItem(o.OrderID, p.ProductID, 3)
	if it.Status != domain.ItemRejected {
		s.t.Fatalf("3 of a stock of 2: got %s, want REJECTED", it.Status)
	}
	if got := s.Product(p.ProductID).Stock; got != 2 {
		s.t.Errorf("a rejection takes no stock: got %d, want 2", got)
	}
	if rs := s.Reservations(o.OrderID); len(rs) != 1 || rs[0].Reason == "" {
		s.t.Errorf("a rejected reservation says why: got %+v", rs)
	}
	r := s.api.Do(http.MethodPost, "/api/orders/"+o.OrderID+"/confirm", "", false)
	s.wantProblem(r, http.StatusConflict, "confirm with a rejected item")
	s.api.Delete("/api/orders/"+o.OrderID+"/items/"+it.ItemID, http.StatusOK, nil)
	s.AddItem(o.OrderID, p.ProductID, 2)
	s.api.Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, nil)
	s.WaitOrder(o.OrderID, domain.OrderCompleted)
	if got := s.Product(p.ProductID).Stock; got != 0 {
		s.t.Errorf("stock after selling all: got %d, want 0", got)
	}
}

func cancelled(s *Suite) {
	p, q := s.NewProduct(10, 700), s.NewProduct(10, 900)
	o := s.CreateOrder(SeedCustomerID)
	s.AddItem(o.OrderID, p.ProductID, 4)
	s.AddItem(o.OrderID, q.ProductID, 11) // rejected: its reservation must be cancelled too
	var got domain.Order
	s.api.Post("/api/orders/"+o.OrderID+"/cancel", nil, http.StatusOK, &got)
	if got.Status != domain.OrderCanceled || got.Total != 0 {
		s.t.Errorf("cancelled order: got %s total %d, want CANCELED total 0", got.Status, got.Total)
	}
	for _, it := range got.Items {
		if it.Status != domain.ItemCanceled {
			s.t.Errorf("item %s of a cancelled order: got %s, want CANCELED", it.ItemID, it.Status)
		}
	}
	Eventually(s.t, s.opts.Timeout, "stock to return", func() bool { return s.Product(p.ProductID).Stock == 10 })
	Eventually(s.t, s.opts.Timeout, "reservations to be cancelled", func() bool {
		for _, r := range s.Reservations(o.OrderID) {
			if r.Status != domain.ReservationCanceled {
				return false
			}
		}
		return true
	})
}

func removed(s *Suite) {
	p, q := s.NewProduct(10, 1000), s.NewProduct(10, 300)
	o := s.CreateOrder(SeedCustomerID)
	a := s.AddItem(o.OrderID, p.ProductID, 3)
	s.AddItem(o.OrderID, q.ProductID, 1)
	var got domain.Order
	s.api.Delete("/api/orders/"+o.OrderID+"/items/"+a.ItemID, http.StatusOK, &got)
	if it := got.Item(a.ItemID); it == nil || it.Status != domain.ItemCanceled || got.Total != 300 {
		s.t.Errorf("after removing: got %+v, want the item CANCELED and total 300", got)
	}
	Eventually(s.t, s.opts.Timeout, "stock to return", func() bool { return s.Product(p.ProductID).Stock == 10 })
	s.api.Delete("/api/orders/"+o.OrderID+"/items/"+a.ItemID, http.StatusOK, nil) // again: a no-op
	if got := s.Product(p.ProductID).Stock; got != 10 {
		s.t.Errorf("removing twice returns stock once: got %d, want 10", got)
	}
	again := s.AddItem(o.OrderID, p.ProductID, 2) // a removed product can be added again
	if again.Status != domain.ItemReserved {
		s.t.Errorf("re-added item: got %s, want RESERVED", again.Status)
	}
}

func concurrent(s *Suite) {
	const buyers, each, stock = 12, 3, 20
	p := s.NewProduct(stock, 100)
	var wg sync.WaitGroup
	results := make(chan domain.OrderItem, buyers)
	for range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := s.CreateOrder(customers.Seed[1].CustomerID)
			results <- s.AddItem(o.OrderID, p.ProductID, each)
		}()
	}
	wg.Wait()
	close(results)
	reserved := 0
	for it := range results {
		if it.Status == domain.ItemReserved {
			reserved++
		}
	}
	if reserved != stock/each {
		s.t.Errorf("%d buyers of %d from a stock of %d: got %d reserved, want %d", buyers, each, stock, reserved, stock/each)
	}
	if got := s.Product(p.ProductID).Stock; got != stock-reserved*each {
		s.t.Errorf("stock: got %d, want %d", got, stock-reserved*each)
	}
}

func cancelRacesConfirm(s *Suite) {
	const orders = 8
	p := s.NewProduct(100, 500)
	ids := make([]string, orders)
	for i := range ids {
		ids[i] = s.CreateOrder(SeedCustomerID).OrderID
		s.AddItem(ids[i], p.ProductID, 1)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		for _, action := range []string{"/cancel", "/confirm"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = s.try(http.MethodPost, "/api/orders/"+id+action, nil, http.StatusOK, nil) // one of the two may be refused
			}()
		}
	}
	wg.Wait()
	for _, id := range ids {
		var o domain.Order
		Eventually(s.t, s.opts.Timeout, "order "+id+" to settle as COMPLETED or CANCELED", func() bool {
			o = s.Order(id)
			return o.Status == domain.OrderCompleted || o.Status == domain.OrderCanceled
		})
	}
}

// pages reads lists a few items at a time: each page but the last names the
// next in its Link header, the filters kept, and the pages together are the
// whole list, in order, each item once.
func pages(s *Suite) {
	var whole []domain.Product
	GetAll(s.api, "/api/products?limit=500", &whole)
	var paged []domain.Product
	n := 0
	for path := "/api/products?limit=5"; path != ""; n++ {
		var page []domain.Product
		r := s.api.call(http.MethodGet, path, nil, http.StatusOK, &page)
		if len(page) > 5 {
			s.t.Fatalf("%s: %d items, want at most 5", path, len(page))
		}
		paged = append(paged, page...)
		path = httpx.NextLink(r.Header.Get("Link"))
		if path != "" && !strings.Contains(path, "limit=5") {
			s.t.Errorf("next page %q does not keep the limit", path)
		}
	}
	if n < 2 || len(paged) != len(whole) {
		s.t.Fatalf("%d pages of %d products, want more than one page and all %d", n, len(paged), len(whole))
	}
	for i := range whole {
		if paged[i].ProductID != whole[i].ProductID {
			s.t.Fatalf("product %d: got %s paged, %s whole", i, paged[i].ProductID, whole[i].ProductID)
		}
	}
	// A filter is kept from page to page. A seeded customer, because the local
	// copies of the asynchronous variants know those from the start.
	customer := customers.Seed[len(customers.Seed)-1].CustomerID
	newest := ""
	for range 3 {
		newest = s.CreateOrder(customer).OrderID
	}
	var all, pagedOrders []domain.Order
	s.Fresh()
	GetAll(s.api, "/api/orders?limit=500&customerId="+customer, &all)
	for path := "/api/orders?customerId=" + customer + "&limit=2"; path != ""; {
		var page []domain.Order
		r := s.api.call(http.MethodGet, path, nil, http.StatusOK, &page)
		pagedOrders = append(pagedOrders, page...)
		path = httpx.NextLink(r.Header.Get("Link"))
		if path != "" && (!strings.Contains(path, "customerId="+customer) || !strings.Contains(path, "after="+page[len(page)-1].OrderID)) {
			s.t.Fatalf("next page %q: want the same customer, after this page's last order", path)
		}
	}
	if len(pagedOrders) != len(all) || len(all) < 3 || all[0].OrderID != newest {
		s.t.Fatalf("%d orders paged, %d whole; want all, the newest (%s) first", len(pagedOrders), len(all), newest)
	}
	for i := range all {
		if pagedOrders[i].OrderID != all[i].OrderID || pagedOrders[i].CustomerID != customer {
			s.t.Fatalf("order %d: got %s paged, %s whole", i, pagedOrders[i].OrderID, all[i].OrderID)
		}
	}
}
