package acceptance

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

// SeedCustomerID is a customer every variant seeds.
const SeedCustomerID = "11111111-1111-4111-8111-000000000001"

// CreateOrder opens an order for the customer.
func (s *Suite) CreateOrder(customerID string) domain.Order {
	s.t.Helper()
	var o domain.Order
	r := s.api.Post("/api/orders", domain.NewOrder{CustomerID: customerID, Name: "acceptance"}, http.StatusCreated, &o)
	if loc := r.Header.Get("Location"); loc != "/api/orders/"+o.OrderID {
		s.t.Errorf("Location of a new order: got %q, want /api/orders/%s", loc, o.OrderID)
	}
	if o.Status != domain.OrderOpen || len(o.Items) != 0 || o.Currency != domain.Currency {
		s.t.Errorf("new order: got status %s, %d items, currency %s; want OPEN, 0, EUR", o.Status, len(o.Items), o.Currency)
	}
	s.track(o.OrderID)
	return o
}

// AddItem adds a product and waits until the item is RESERVED or REJECTED.
func (s *Suite) AddItem(orderID, productID string, qty int) domain.OrderItem {
	s.t.Helper()
	var it domain.OrderItem
	r := s.postItem(orderID, productID, qty, &it)
	loc := r.Header.Get("Location")
	if want := "/api/orders/" + orderID + "/items/" + it.ItemID; loc != want {
		s.t.Errorf("Location of a new item: got %q, want %q", loc, want)
	}
	if it.ProductID != productID || it.Quantity != qty {
		s.t.Errorf("new item: got product %s × %d, want %s × %d", it.ProductID, it.Quantity, productID, qty)
	}
	Eventually(s.t, s.opts.Timeout, "item "+it.ItemID+" to be reserved or rejected", func() bool {
		s.api.Get(loc, &it)
		return it.Status != domain.ItemPending
	})
	return it
}

// postItem adds the item and wants 201. A product the warehouse has may be
// unknown for a moment to a service that keeps a copy of the catalogue (event-
// carried state transfer): a 400 on productId for a product the warehouse
// answers is retried until the suite's timeout, as a client would.
func (s *Suite) postItem(orderID, productID string, qty int, it *domain.OrderItem) Response {
	s.t.Helper()
	path, body := "/api/orders/"+orderID+"/items", jsonBody(domain.NewItem{ProductID: productID, Quantity: qty})
	deadline := time.Now().Add(s.opts.Timeout)
	for {
		r := s.api.Do(http.MethodPost, path, body, false)
		if r.Status == http.StatusCreated {
			if err := json.Unmarshal(r.Body, it); err != nil {
				s.t.Fatalf("POST %s: decode %s: %v", path, r.Body, err)
			}
			return r
		}
		if r.Status != http.StatusBadRequest || !hasField(r.Problem.Errors, "productId") ||
			!s.productExists(productID) || time.Now().After(deadline) {
			s.t.Fatalf("POST %s: got status %d, want 201; body %s", path, r.Status, r.Body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// productExists reports whether the warehouse has the product.
func (s *Suite) productExists(id string) bool {
	return s.api.Do(http.MethodGet, "/api/products/"+id, "", false).Status == http.StatusOK
}

// Order reads an order, once the read model shows the suite's writes of it
// where the reads come from one (Fresh).
func (s *Suite) Order(id string) domain.Order {
	s.t.Helper()
	s.Fresh(id)
	var o domain.Order
	s.api.Get("/api/orders/"+id, &o)
	return o
}

// WaitOrder polls the order until it has the status.
func (s *Suite) WaitOrder(id string, status domain.OrderStatus) domain.Order {
	s.t.Helper()
	var o domain.Order
	Eventually(s.t, s.opts.Timeout, "order "+id+" to become "+string(status), func() bool {
		o = s.Order(id)
		return o.Status == status
	})
	return o
}

// Product reads a product.
func (s *Suite) Product(id string) domain.Product {
	s.t.Helper()
	var p domain.Product
	s.api.Get("/api/products/"+id, &p)
	return p
}

// NewProduct creates a product with a unique code and records its initial stock.
func (s *Suite) NewProduct(stock int, price int64) domain.Product {
	s.t.Helper()
	var p domain.Product
	in := domain.NewProduct{Code: "ACC-" + domain.NewID()[:8], Name: "Acceptance product", Description: "made by a test",
		Stock: stock, Price: price, Currency: domain.Currency}
	r := s.api.Post("/api/products", in, http.StatusCreated, &p)
	if loc := r.Header.Get("Location"); loc != "/api/products/"+p.ProductID {
		s.t.Errorf("Location of a new product: got %q", loc)
	}
	if p.Stock != stock || p.Price != price || p.Code != in.Code {
		s.t.Errorf("new product: got %+v, want stock %d price %d code %s", p, stock, price, in.Code)
	}
	s.mu.Lock()
	s.initial[p.ProductID] = stock
	s.mu.Unlock()
	return p
}

// Reservations lists the reservations of an order.
func (s *Suite) Reservations(orderID string) []domain.Reservation {
	s.t.Helper()
	var rs []domain.Reservation
	s.api.Get("/api/reservations?orderId="+orderID, &rs)
	return rs
}

// Shipments lists the shipments of an order.
func (s *Suite) Shipments(orderID string) []domain.Shipment {
	s.t.Helper()
	var ss []domain.Shipment
	s.api.Get("/api/shipments?orderId="+orderID, &ss)
	return ss
}

// Invoices lists the invoices of an order.
func (s *Suite) Invoices(orderID string) []domain.Invoice {
	s.t.Helper()
	var is []domain.Invoice
	s.api.Get("/api/invoices?orderId="+orderID, &is)
	return is
}
