package store_test

import (
	"reflect"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

func TestWarehouse_products(t *testing.T) {
	forEachDB(t, "warehouse", func(t *testing.T, db *store.DB) {
		s := store.NewWarehouse(db)
		ctx := t.Context()

		t.Run("creates and gets a product", func(t *testing.T) {
			p := newProduct(7)
			must(t, s.CreateProduct(ctx, p))
			got, err := s.Product(ctx, p.ProductID)
			must(t, err)
			if got != p {
				t.Fatalf("got %+v, want %+v", got, p)
			}
		})
		t.Run("refuses a code already taken", func(t *testing.T) {
			p := mustProduct(t, s, 1)
			twin := newProduct(1)
			twin.Code = p.Code
			wantCode(t, s.CreateProduct(ctx, twin), domain.CodeConflict)
		})
		t.Run("answers not found for an unknown id", func(t *testing.T) {
			_, err := s.Product(ctx, domain.NewID())
			wantCode(t, err, domain.CodeNotFound)
		})
		t.Run("lists by code and filters on code", func(t *testing.T) {
			b, a := newProduct(1), newProduct(1)
			b.Code, a.Code = "ZZ-B-"+randomHex(3), "ZZ-A-"+randomHex(3)
			must(t, s.CreateProduct(ctx, b))
			must(t, s.CreateProduct(ctx, a))
			all, err := s.Products(ctx, "")
			must(t, err)
			if n := len(all); n < 2 || all[n-2] != a || all[n-1] != b {
				t.Fatalf("the last two of %+v are not %v, %v", all, a.Code, b.Code)
			}
			got, err := s.Products(ctx, b.Code)
			must(t, err)
			if !reflect.DeepEqual(got, []domain.Product{b}) {
				t.Fatalf("filtered on %s: got %+v", b.Code, got)
			}
			none, err := s.Products(ctx, "no-such-code")
			must(t, err)
			if none == nil || len(none) != 0 {
				t.Fatalf("unknown code: got %#v, want an empty list", none)
			}
		})
		t.Run("seeds only what is absent, twice harmlessly", func(t *testing.T) {
			seed := []domain.Product{newProduct(100), newProduct(5)}
			must(t, s.SeedProducts(ctx, seed))
			_, _, err := s.Reserve(ctx, newRequest(seed[0].ProductID, 10), domain.NewID(), at(0))
			must(t, err)
			must(t, s.SeedProducts(ctx, seed))
			wantStock(t, s, seed[0].ProductID, 90) // seeding again does not restock
			wantStock(t, s, seed[1].ProductID, 5)
		})
	})
}

func TestWarehouse_Reserve(t *testing.T) {
	forEachDB(t, "warehouse", func(t *testing.T, db *store.DB) {
		s := store.NewWarehouse(db)
		ctx := t.Context()

		t.Run("reserves and takes stock at the product's price", func(t *testing.T) {
			p := mustProduct(t, s, 10)
			req := newRequest(p.ProductID, 4)
			id := domain.NewID()
			r, created, err := s.Reserve(ctx, req, id, at(1))
			must(t, err)
			want := domain.Reservation{
				ReservationID: id, OrderID: req.OrderID, ItemID: req.ItemID, ProductID: p.ProductID, Quantity: 4,
				UnitPrice: p.Price, Currency: p.Currency, Status: domain.ReservationReserved, CreatedAt: at(1), UpdatedAt: at(1),
			}
			if !created || r != want {
				t.Fatalf("got %+v (created %v), want %+v (created)", r, created, want)
			}
			got, err := s.Reservation(ctx, id)
			must(t, err)
			if got != want {
				t.Fatalf("stored: got %+v, want %+v", got, want)
			}
			wantStock(t, s, p.ProductID, 6)
		})
		t.Run("rejects when the stock is short and leaves it", func(t *testing.T) {
			p := mustProduct(t, s, 3)
			r, created, err := s.Reserve(ctx, newRequest(p.ProductID, 5), domain.NewID(), at(2))
			must(t, err)
			if !created || r.Status != domain.ReservationRejected || r.Reason != "not enough stock: 3 available, 5 requested" {
				t.Fatalf("got %+v (created %v), want a new REJECTED reservation with a reason", r, created)
			}
			wantStock(t, s, p.ProductID, 3)
		})
		t.Run("is idempotent on the item", func(t *testing.T) {
			p := mustProduct(t, s, 10)
			req := newRequest(p.ProductID, 4)
			first, _, err := s.Reserve(ctx, req, domain.NewID(), at(3))
			must(t, err)
			again, created, err := s.Reserve(ctx, req, domain.NewID(), at(4))
			must(t, err)
			if created || again != first {
				t.Fatalf("again: got %+v (created %v), want %+v (not created)", again, created, first)
			}
			wantStock(t, s, p.ProductID, 6)
		})
		t.Run("answers not found for an unknown product", func(t *testing.T) {
			req := newRequest(domain.NewID(), 1)
			_, _, err := s.Reserve(ctx, req, domain.NewID(), at(5))
			wantCode(t, err, domain.CodeNotFound)
			list, err := s.Reservations(ctx, req.OrderID)
			must(t, err)
			if len(list) != 0 {
				t.Fatalf("stored %+v", list)
			}
		})
		t.Run("lists newest first and filters on the order", func(t *testing.T) {
			p := mustProduct(t, s, 10)
			first, second := newRequest(p.ProductID, 1), newRequest(p.ProductID, 1)
			second.OrderID = first.OrderID
			r1, _, err := s.Reserve(ctx, first, domain.NewID(), at(6))
			must(t, err)
			r2, _, err := s.Reserve(ctx, second, domain.NewID(), at(7))
			must(t, err)
			_, _, err = s.Reserve(ctx, newRequest(p.ProductID, 1), domain.NewID(), at(8))
			must(t, err)
			got, err := s.Reservations(ctx, first.OrderID)
			must(t, err)
			if !reflect.DeepEqual(got, []domain.Reservation{r2, r1}) {
				t.Fatalf("got %+v, want [%+v %+v]", got, r2, r1)
			}
			all, err := s.Reservations(ctx, "")
			must(t, err)
			if len(all) < 3 || all[0].CreatedAt != at(8) {
				t.Fatalf("unfiltered: got %+v, want the newest first", all)
			}
		})
		t.Run("answers not found for an unknown reservation", func(t *testing.T) {
			_, err := s.Reservation(ctx, domain.NewID())
			wantCode(t, err, domain.CodeNotFound)
		})
	})
}
