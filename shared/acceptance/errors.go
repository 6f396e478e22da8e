package acceptance

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// wantProblem checks that r is a problem document with the status.
func (s *Suite) wantProblem(r Response, status int, what string) {
	s.t.Helper()
	if r.Status != status {
		s.t.Errorf("%s: got status %d, want %d; body %s", what, r.Status, status, r.Body)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		s.t.Errorf("%s: got Content-Type %q, want application/problem+json", what, ct)
	}
	p := r.Problem
	if p.Status != status || p.Title == "" || p.Type == "" || p.Detail == "" {
		s.t.Errorf("%s: incomplete problem document %s", what, r.Body)
	}
}

// fingerprint summarises everything a refused request must leave unchanged.
func (s *Suite) fingerprint() string {
	s.t.Helper()
	var b strings.Builder
	var cs []domain.Customer
	GetAll(s.api, "/api/customers?limit=500", &cs)
	fmt.Fprintf(&b, "customers=%d;", len(cs))
	var ps []domain.Product
	GetAll(s.api, "/api/products?limit=500", &ps)
	sort.Slice(ps, func(i, j int) bool { return ps[i].ProductID < ps[j].ProductID })
	for _, p := range ps {
		fmt.Fprintf(&b, "%s=%d@%d;", p.Code, p.Stock, p.Price)
	}
	var os []domain.Order
	s.Fresh()
	GetAll(s.api, "/api/orders?limit=500", &os)
	for _, o := range os {
		fmt.Fprintf(&b, "%s:%s:%d:%d;", o.OrderID, o.Status, len(o.Items), o.Total)
	}
	var rs []domain.Reservation
	GetAll(s.api, "/api/reservations?limit=500", &rs)
	fmt.Fprintf(&b, "reservations=%d", len(rs))
	return b.String()
}

// refused sends each request, wants its problem, and checks that nothing changed.
func (s *Suite) refused(cases []badCase) {
	s.t.Helper()
	before := s.fingerprint()
	for _, c := range cases {
		r := s.api.Do(c.method, c.path, c.body, true)
		s.wantProblem(r, c.status, c.name)
		if c.field != "" && !hasField(r.Problem.Errors, c.field) {
			s.t.Errorf("%s: the problem does not name the field %q: %s", c.name, c.field, r.Body)
		}
	}
	if after := s.fingerprint(); after != before {
		s.t.Errorf("refused requests changed the data:\nbefore %s\nafter  %s", before, after)
	}
}

type badCase struct {
	name, method, path, body string
	status                   int
	field                    string // the field the problem must name, if any
}

func hasField(errs []domain.FieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

func illegalMoves(s *Suite) {
	p := s.NewProduct(5, 100)
	open := s.CreateOrder(SeedCustomerID)
	item := s.AddItem(open.OrderID, p.ProductID, 1)
	empty := s.CreateOrder(SeedCustomerID)
	done := s.CreateOrder(SeedCustomerID)
	s.AddItem(done.OrderID, p.ProductID, 1)
	s.api.Post("/api/orders/"+done.OrderID+"/confirm", nil, http.StatusOK, nil)
	s.WaitOrder(done.OrderID, domain.OrderCompleted)
	gone := s.CreateOrder(SeedCustomerID)
	s.api.Post("/api/orders/"+gone.OrderID+"/cancel", nil, http.StatusOK, nil)
	o := "/api/orders/"
	s.refused([]badCase{
		{"add a product already in the order", "POST", o + open.OrderID + "/items", jsonBody(domain.NewItem{ProductID: p.ProductID, Quantity: 1}), 409, ""},
		{"confirm an order without items", "POST", o + empty.OrderID + "/confirm", "", 409, ""},
		{"confirm a completed order", "POST", o + done.OrderID + "/confirm", "", 409, ""},
		{"cancel a completed order", "POST", o + done.OrderID + "/cancel", "", 409, ""},
		{"add to a completed order", "POST", o + done.OrderID + "/items", jsonBody(domain.NewItem{ProductID: warehouse.Seed[2].ProductID, Quantity: 1}), 409, ""},
		{"remove from a completed order", "DELETE", o + done.OrderID + "/items/" + s.Order(done.OrderID).Items[0].ItemID, "", 409, ""},
		{"confirm a cancelled order", "POST", o + gone.OrderID + "/confirm", "", 409, ""},
		{"cancel a cancelled order", "POST", o + gone.OrderID + "/cancel", "", 409, ""},
		{"add to a cancelled order", "POST", o + gone.OrderID + "/items", jsonBody(domain.NewItem{ProductID: p.ProductID, Quantity: 1}), 409, ""},
		{"remove an unknown item", "DELETE", o + open.OrderID + "/items/" + domain.NewID(), "", 404, ""},
		{"a product code already taken", "POST", "/api/products", jsonBody(domain.NewProduct{Code: p.Code, Name: "x", Stock: 1, Price: 1, Currency: "EUR"}), 409, ""},
		{"an email already taken", "POST", "/api/customers", `{"name":"Ada","email":"ada@example.com","address":"London"}`, 409, ""},
	})
	still := s.Order(open.OrderID)
	if got := still.Item(item.ItemID); got == nil || got.Status != domain.ItemReserved {
		s.t.Errorf("the open order's item: got %+v, want it still RESERVED", got)
	}
}

func badInput(s *Suite) {
	cust, prod := SeedCustomerID, warehouse.Seed[0].ProductID
	o := s.CreateOrder(cust)
	items := "/api/orders/" + o.OrderID + "/items"
	unknown := domain.NewID()
	s.refused([]badCase{
		{"malformed JSON", "POST", "/api/customers", `{"name": "Ada"`, 400, ""},
		{"not an object", "POST", "/api/customers", `[1,2]`, 400, ""},
		{"empty body", "POST", "/api/orders", ``, 400, ""},
		{"trailing data", "POST", "/api/orders", `{"customerId":"` + cust + `"} {}`, 400, ""},
		{"a wrong type", "POST", "/api/customers", `{"name": 5, "email": "x@example.com", "address": "a"}`, 400, "name"},
		{"a missing field", "POST", "/api/customers", `{"name": "Bo", "address": "a"}`, 400, "email"},
		{"an invalid email", "POST", "/api/customers", `{"name": "Bo", "email": "not-an-email", "address": "a"}`, 400, "email"},
		{"an unknown field", "POST", "/api/customers", `{"name": "Bo", "email": "bo@example.com", "address": "a", "vip": true}`, 400, "vip"},
		{"a product in another currency", "POST", "/api/products", `{"code":"USD-1","name":"x","stock":1,"price":100,"currency":"USD"}`, 400, "currency"},
		{"a negative stock", "POST", "/api/products", `{"code":"NEG-1","name":"x","stock":-1,"price":100,"currency":"EUR"}`, 400, "stock"},
		{"a malformed customer id", "POST", "/api/orders", `{"customerId":"42"}`, 400, "customerId"},
		{"an unknown customer", "POST", "/api/orders", `{"customerId":"` + unknown + `"}`, 400, "customerId"},
		{"an unknown product", "POST", items, `{"productId":"` + unknown + `","quantity":1}`, 400, "productId"},
		{"a quantity of 0", "POST", items, `{"productId":"` + prod + `","quantity":0}`, 400, "quantity"},
		{"a quantity of 1001", "POST", items, `{"productId":"` + prod + `","quantity":1001}`, 400, "quantity"},
		{"a fractional quantity", "POST", items, `{"productId":"` + prod + `","quantity":1.5}`, 400, "quantity"},
		{"a quantity as a string", "POST", items, `{"productId":"` + prod + `","quantity":"2"}`, 400, "quantity"},
		{"add to an unknown order", "POST", "/api/orders/" + unknown + "/items", `{"productId":"` + prod + `","quantity":1}`, 404, ""},
		{"a malformed order id", "GET", "/api/orders/not-a-uuid", "", 400, "orderId"},
		{"an unknown order", "GET", "/api/orders/" + unknown, "", 404, ""},
		{"an unknown customer id", "GET", "/api/customers/" + unknown, "", 404, ""},
		{"an unknown product id", "GET", "/api/products/" + unknown, "", 404, ""},
		{"an unknown shipment", "GET", "/api/shipments/" + unknown, "", 404, ""},
		{"an unknown invoice", "GET", "/api/invoices/" + unknown, "", 404, ""},
		{"an unknown reservation", "GET", "/api/reservations/" + unknown, "", 404, ""},
		{"an unknown item", "GET", items + "/" + unknown, "", 404, ""},
		{"confirm an unknown order", "POST", "/api/orders/" + unknown + "/confirm", "", 404, ""},
		{"cancel a malformed order id", "POST", "/api/orders/x/cancel", "", 400, "orderId"},
		{"an invalid status filter", "GET", "/api/orders?status=LOST", "", 400, "status"},
		{"a filter given twice", "GET", "/api/orders?status=OPEN&status=LOST", "", 400, "status"},
		{"an uppercase id", "GET", "/api/orders/" + strings.ToUpper(o.OrderID), "", 400, "orderId"},
		{"a duplicate key", "POST", "/api/orders", `{"customerId":"42","customerId":"` + cust + `"}`, 400, "customerId"},
		{"a key in the wrong case", "POST", "/api/orders", `{"CUSTOMERID":"` + cust + `"}`, 400, "CUSTOMERID"},
		{"a NUL in a string", "POST", "/api/customers", `{"name":"A\u0000","email":"nul@example.com","address":"x"}`, 400, "name"},
		{"a trailing slash", "GET", "/api/orders/", "", 404, ""},
		{"a malformed filter id", "GET", "/api/invoices?customerId=7", "", 400, "customerId"},
		{"a limit of 0", "GET", "/api/orders?limit=0", "", 400, "limit"},
		{"a limit above 500", "GET", "/api/products?limit=501", "", 400, "limit"},
		{"a limit that is not a number", "GET", "/api/customers?limit=ten", "", 400, "limit"},
		{"a malformed cursor", "GET", "/api/shipments?after=7", "", 400, "after"},
		{"internal paths are not routed", "POST", "/internal/reservations", `{}`, 404, ""},
	})
}

func seedAndLists(s *Suite) {
	var cs []domain.Customer
	s.api.Get("/api/customers", &cs)
	if len(cs) < 3 {
		s.t.Errorf("customers: got %d, want at least 3 seeded", len(cs))
	}
	var ps []domain.Product
	s.api.Get("/api/products?code="+warehouse.Seed[0].Code, &ps)
	if len(ps) != 1 || ps[0].ProductID != warehouse.Seed[0].ProductID {
		s.t.Errorf("products by code: got %+v, want the seeded %s", ps, warehouse.Seed[0].Code)
	}
	a, b := s.CreateOrder(SeedCustomerID), s.CreateOrder(SeedCustomerID)
	var os []domain.Order
	s.Fresh()
	s.api.Get("/api/orders?customerId="+SeedCustomerID+"&status=OPEN", &os)
	if len(os) < 2 || os[0].OrderID != b.OrderID || os[1].OrderID != a.OrderID {
		s.t.Errorf("orders by customer and status: want newest first, %s then %s", b.OrderID, a.OrderID)
	}
	var c domain.Customer
	r := s.api.Post("/api/customers", domain.NewCustomer{Name: "Edsger Dijkstra", Email: domain.NewID()[:8] + "@example.com",
		Address: "Nuenen"}, http.StatusCreated, &c)
	if r.Header.Get("Location") != "/api/customers/"+c.CustomerID {
		s.t.Errorf("Location of a new customer: got %q", r.Header.Get("Location"))
	}
}
