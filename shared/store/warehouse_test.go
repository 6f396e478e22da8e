package store_test

import (
	"reflect"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

// TestWarehouse_products is the contract suite of warehouse.Repository's products.
func TestWarehouse_products(t *testing.T) {
	forEachDB(t, "warehouse", func(t *testing.T, db *store.DB) {
		runCases(t, store.NewWarehouse(db), []testCase[*store.Warehouse]{
			{"creates and gets a product", testProductCreate},
			{"refuses a code already taken", testProductCodeTaken},
			{"answers not found for an unknown id", testProductNotFound},
			{"lists by code and filters on code", testProductsList},
			{"seeds only what is absent, twice harmlessly", testProductsSeed},
		})
	})
}

// TestWarehouse_Reserve is the contract suite of warehouse.Repository's Reserve.
func TestWarehouse_Reserve(t *testing.T) {
	forEachDB(t, "warehouse", func(t *testing.T, db *store.DB) {
		runCases(t, store.NewWarehouse(db), []testCase[*store.Warehouse]{
			{"reserves and takes stock at the product's price", testReserve},
			{"rejects when the stock is short and leaves it", testReserveRejects},
			{"is idempotent on the item", testReserveIdempotent},
			{"answers not found for an unknown product", testReserveUnknownProduct},
			{"lists newest first and filters on the order", testReservationsList},
			{"answers not found for an unknown reservation", testReservationNotFound},
		})
	})
}

func testProductCreate(t *testing.T, s *store.Warehouse) {
	p := newProduct(7)
	must(t, s.CreateProduct(t.Context(), p))
	got, err := s.Product(t.Context(), p.ProductID)
	must(t, err)
	if got != p {
		t.Fatalf("got %+v, want %+v", got, p)
	}
}

func testProductCodeTaken(t *testing.T, s *store.Warehouse) {
	p := mustProduct(t, s, 1)
	twin := newProduct(1)
	twin.Code = p.Code
	wantCode(t, s.CreateProduct(t.Context(), twin), domain.CodeConflict)
}

func testProductNotFound(t *testing.T, s *store.Warehouse) {
	_, err := s.Product(t.Context(), domain.NewID())
	wantCode(t, err, domain.CodeNotFound)
}

func testProductsList(t *testing.T, s *store.Warehouse) {
	b, a := newProduct(1), newProduct(1)
	b.Code, a.Code = "ZZ-B-"+randomHex(3), "ZZ-A-"+randomHex(3)
	must(t, s.CreateProduct(t.Context(), b))
	must(t, s.CreateProduct(t.Context(), a))
	all, err := s.Products(t.Context(), "", domain.Page{})
	must(t, err)
	if n := len(all); n < 2 || all[n-2] != a || all[n-1] != b {
		t.Fatalf("the last two of %+v are not %v, %v", all, a.Code, b.Code)
	}
	got, err := s.Products(t.Context(), b.Code, domain.Page{})
	must(t, err)
	if !reflect.DeepEqual(got, []domain.Product{b}) {
		t.Fatalf("filtered on %s: got %+v", b.Code, got)
	}
	none, err := s.Products(t.Context(), "no-such-code", domain.Page{})
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("unknown code: got %#v, want an empty list", none)
	}
}

func testProductsSeed(t *testing.T, s *store.Warehouse) {
	seed := []domain.Product{newProduct(100), newProduct(5)}
	must(t, s.SeedProducts(t.Context(), seed))
	_, _, err := s.Reserve(t.Context(), newRequest(seed[0].ProductID, 10), domain.NewID(), at(0))
	must(t, err)
	must(t, s.SeedProducts(t.Context(), seed))
	wantStock(t, s, seed[0].ProductID, 90) // seeding again does not restock
	wantStock(t, s, seed[1].ProductID, 5)
}

func testReserve(t *testing.T, s *store.Warehouse) {
	p := mustProduct(t, s, 10)
	req, id := newRequest(p.ProductID, 4), domain.NewID()
	r, created, err := s.Reserve(t.Context(), req, id, at(1))
	must(t, err)
	want := domain.Reservation{
		ReservationID: id, OrderID: req.OrderID, ItemID: req.ItemID, ProductID: p.ProductID, Quantity: 4,
		UnitPrice: p.Price, Currency: p.Currency, Status: domain.ReservationReserved, CreatedAt: at(1), UpdatedAt: at(1),
	}
	if !created || r != want {
		t.Fatalf("got %+v (created %v), want %+v (created)", r, created, want)
	}
	got, err := s.Reservation(t.Context(), id)
	must(t, err)
	if got != want {
		t.Fatalf("stored: got %+v, want %+v", got, want)
	}
	wantStock(t, s, p.ProductID, 6)
}

func testReserveRejects(t *testing.T, s *store.Warehouse) {
	p := mustProduct(t, s, 3)
	r, created, err := s.Reserve(t.Context(), newRequest(p.ProductID, 5), domain.NewID(), at(2))
	must(t, err)
	if !created || r.Status != domain.ReservationRejected || r.Reason != "not enough stock: 3 available, 5 requested" {
		t.Fatalf("got %+v (created %v), want a new REJECTED reservation with a reason", r, created)
	}
	wantStock(t, s, p.ProductID, 3)
}

func testReserveIdempotent(t *testing.T, s *store.Warehouse) {
	p := mustProduct(t, s, 10)
	req := newRequest(p.ProductID, 4)
	first, _, err := s.Reserve(t.Context(), req, domain.NewID(), at(3))
	must(t, err)
	again, created, err := s.Reserve(t.Context(), req, domain.NewID(), at(4))
	must(t, err)
	if created || again != first {
		t.Fatalf("again: got %+v (created %v), want %+v (not created)", again, created, first)
	}
	wantStock(t, s, p.ProductID, 6)
}

func testReserveUnknownProduct(t *testing.T, s *store.Warehouse) {
	req := newRequest(domain.NewID(), 1)
	_, _, err := s.Reserve(t.Context(), req, domain.NewID(), at(5))
	wantCode(t, err, domain.CodeNotFound)
	list, err := s.Reservations(t.Context(), req.OrderID, domain.Page{})
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("stored %+v", list)
	}
}

func testReservationsList(t *testing.T, s *store.Warehouse) {
	p := mustProduct(t, s, 10)
	first, second := newRequest(p.ProductID, 1), newRequest(p.ProductID, 1)
	second.OrderID = first.OrderID
	r1, _, err := s.Reserve(t.Context(), first, domain.NewID(), at(6))
	must(t, err)
	r2, _, err := s.Reserve(t.Context(), second, domain.NewID(), at(7))
	must(t, err)
	_, _, err = s.Reserve(t.Context(), newRequest(p.ProductID, 1), domain.NewID(), at(8))
	must(t, err)
	got, err := s.Reservations(t.Context(), first.OrderID, domain.Page{})
	must(t, err)
	if !reflect.DeepEqual(got, []domain.Reservation{r2, r1}) {
		t.Fatalf("got %+v, want [%+v %+v]", got, r2, r1)
	}
	all, err := s.Reservations(t.Context(), "", domain.Page{})
	must(t, err)
	if len(all) < 3 || all[0].CreatedAt != at(8) {
		t.Fatalf("unfiltered: got %+v, want the newest first", all)
	}
}

func testReservationNotFound(t *testing.T, s *store.Warehouse) {
	_, err := s.Reservation(t.Context(), domain.NewID())
	wantCode(t, err, domain.CodeNotFound)
}
