package warehouse_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

var ctx = context.Background()

const (
	productID = "22222222-2222-4222-8222-000000000001"
	orderID   = "33333333-3333-4333-8333-000000000001"
)

// newRepo returns a repository holding one product with stock 10 at 250 cents.
func newRepo() *memRepo {
	return &memRepo{products: []domain.Product{{ProductID: productID, Code: "KB-01", Name: "Keyboard", Stock: 10, Price: 250, Currency: domain.Currency}}}
}

func validProduct() domain.NewProduct {
	return domain.NewProduct{Code: "NEW-1", Name: "Pen", Description: "Blue", Stock: 5, Price: 120, Currency: domain.Currency}
}

func request(quantity int) domain.ReservationRequest {
	return domain.ReservationRequest{OrderID: orderID, ItemID: domain.NewID(), ProductID: productID, Quantity: quantity}
}

func TestService_CreateProduct(t *testing.T) {
	t.Run("stores the trimmed product with a new id", func(t *testing.T) {
		repo := &memRepo{}
		in := validProduct()
		in.Code, in.Name = "  NEW-1 ", " Pen\t"
		got, err := warehouse.New(repo).CreateProduct(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if !domain.ValidID(got.ProductID) || got.Code != "NEW-1" || got.Name != "Pen" || got.Stock != 5 || got.Price != 120 || got.Currency != "EUR" {
			t.Errorf("got %+v, want the trimmed input with a UUID", got)
		}
		if stored, err := repo.Product(ctx, got.ProductID); err != nil || stored != got {
			t.Errorf("stored: got %+v %v, want %+v", stored, err, got)
		}
	})

	accepted := []struct {
		name string
		edit func(*domain.NewProduct)
	}{
		{"accepts a stock of 0", func(n *domain.NewProduct) { n.Stock = 0 }},
		{"accepts the largest stock", func(n *domain.NewProduct) { n.Stock = domain.MaxStock }},
		{"accepts a price of 0", func(n *domain.NewProduct) { n.Price = 0 }},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			in := validProduct()
			tc.edit(&in)
			if _, err := warehouse.New(&memRepo{}).CreateProduct(ctx, in); err != nil {
				t.Errorf("got %v, want nil", err)
			}
		})
	}

	refused := []struct {
		name  string
		edit  func(*domain.NewProduct)
		field string
	}{
		{"refuses a currency other than EUR", func(n *domain.NewProduct) { n.Currency = "USD" }, "currency"},
		{"refuses a lower-case eur", func(n *domain.NewProduct) { n.Currency = "eur" }, "currency"},
		{"refuses a missing currency", func(n *domain.NewProduct) { n.Currency = "" }, "currency"},
		{"refuses a negative stock", func(n *domain.NewProduct) { n.Stock = -1 }, "stock"},
		{"refuses a stock above the maximum", func(n *domain.NewProduct) { n.Stock = domain.MaxStock + 1 }, "stock"},
		{"refuses a negative price", func(n *domain.NewProduct) { n.Price = -1 }, "price"},
		{"refuses a blank code", func(n *domain.NewProduct) { n.Code = "  " }, "code"},
		{"refuses a blank name", func(n *domain.NewProduct) { n.Name = "" }, "name"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			repo := &memRepo{}
			in := validProduct()
			tc.edit(&in)
			_, err := warehouse.New(repo).CreateProduct(ctx, in)
			assertInvalidField(t, err, tc.field)
			if len(repo.products) != 0 {
				t.Errorf("stored: got %+v, want nothing", repo.products)
			}
		})
	}

	t.Run("passes a taken code through as a conflict", func(t *testing.T) {
		s := warehouse.New(&memRepo{})
		if _, err := s.CreateProduct(ctx, validProduct()); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateProduct(ctx, validProduct())
		if got := domain.ErrorCode(err); got != domain.CodeConflict {
			t.Errorf("code: got %q (%v), want %q", got, err, domain.CodeConflict)
		}
	})
}

func TestService_Reserve(t *testing.T) {
	t.Run("reserves stock and answers created", func(t *testing.T) {
		repo := newRepo()
		req := request(3)
		got, created, err := warehouse.New(repo).Reserve(ctx, req)
		if err != nil || !created {
			t.Fatalf("got created=%v %v, want created", created, err)
		}
		if got.Status != domain.ReservationReserved || got.ItemID != req.ItemID || got.UnitPrice != 250 || !domain.ValidID(got.ReservationID) {
			t.Errorf("got %+v, want RESERVED for the item at the product's price", got)
		}
		if got, want := repo.stock(productID), 7; got != want {
			t.Errorf("stock: got %d, want %d", got, want)
		}
	})
	t.Run("passes created=false through for an item reserved before", func(t *testing.T) {
		repo := newRepo()
		s := warehouse.New(repo)
		req := request(3)
		first, _, err := s.Reserve(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		again, created, err := s.Reserve(ctx, req)
		if err != nil || created {
			t.Fatalf("got created=%v %v, want not created", created, err)
		}
		if again.ReservationID != first.ReservationID {
			t.Errorf("reservation: got %s, want the first one %s", again.ReservationID, first.ReservationID)
		}
		if got, want := repo.stock(productID), 7; got != want {
			t.Errorf("stock: got %d, want %d", got, want)
		}
	})
	t.Run("passes a rejection through", func(t *testing.T) {
		got, created, err := warehouse.New(newRepo()).Reserve(ctx, request(11))
		if err != nil || !created || got.Status != domain.ReservationRejected || got.Reason == "" {
			t.Errorf("got %+v created=%v %v, want a created REJECTED reservation with a reason", got, created, err)
		}
	})
	t.Run("maps an unknown product to invalid on productId", func(t *testing.T) {
		req := request(1)
		req.ProductID = domain.NewID()
		_, created, err := warehouse.New(newRepo()).Reserve(ctx, req)
		assertInvalidField(t, err, "productId")
		if created {
			t.Error("created: got true, want false")
		}
	})
	t.Run("keeps the code of any other repository error", func(t *testing.T) {
		want := domain.Errorf(domain.CodeUnavailable, "database is down")
		repo := newRepo()
		repo.err = want
		_, _, err := warehouse.New(repo).Reserve(ctx, request(1))
		if !errors.Is(err, want) {
			t.Errorf("got %v, want it to wrap %v", err, want)
		}
	})

	invalid := []struct {
		name  string
		edit  func(*domain.ReservationRequest)
		field string
	}{
		{"refuses a malformed order id", func(r *domain.ReservationRequest) { r.OrderID = "42" }, "orderId"},
		{"refuses a missing item id", func(r *domain.ReservationRequest) { r.ItemID = "" }, "itemId"},
		{"refuses a malformed product id", func(r *domain.ReservationRequest) { r.ProductID = "KB-01" }, "productId"},
		{"refuses a quantity of 0", func(r *domain.ReservationRequest) { r.Quantity = 0 }, "quantity"},
		{"refuses a quantity over 1000", func(r *domain.ReservationRequest) { r.Quantity = 1001 }, "quantity"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			repo := newRepo()
			req := request(1)
			tc.edit(&req)
			_, _, err := warehouse.New(repo).Reserve(ctx, req)
			assertInvalidField(t, err, tc.field)
			if repo.reserveCalls != 0 {
				t.Errorf("repository calls: got %d, want 0", repo.reserveCalls)
			}
		})
	}
}

func TestService_Confirm(t *testing.T) {
	t.Run("moves the reservation to CONFIRMED and keeps the stock taken", func(t *testing.T) {
		repo := newRepo()
		s := warehouse.New(repo)
		res, _, err := s.Reserve(ctx, request(4))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Confirm(ctx, res.ReservationID)
		if err != nil || got.Status != domain.ReservationConfirmed {
			t.Fatalf("got %s %v, want CONFIRMED", got.Status, err)
		}
		if want := []transition{{res.ReservationID, domain.ReservationConfirmed}}; !slices.Equal(repo.moves(), want) {
			t.Errorf("transitions: got %v, want %v", repo.moves(), want)
		}
		if got, want := repo.stock(productID), 6; got != want {
			t.Errorf("stock: got %d, want %d", got, want)
		}
	})
	t.Run("passes a conflict through", func(t *testing.T) {
		repo := newRepo()
		s := warehouse.New(repo)
		res, _, _ := s.Reserve(ctx, request(1))
		if _, err := s.Cancel(ctx, res.ReservationID); err != nil {
			t.Fatal(err)
		}
		_, err := s.Confirm(ctx, res.ReservationID)
		if got := domain.ErrorCode(err); got != domain.CodeConflict {
			t.Errorf("code: got %q, want %q", got, domain.CodeConflict)
		}
	})
	t.Run("passes not found through", func(t *testing.T) {
		_, err := warehouse.New(newRepo()).Confirm(ctx, domain.NewID())
		if got := domain.ErrorCode(err); got != domain.CodeNotFound {
			t.Errorf("code: got %q, want %q", got, domain.CodeNotFound)
		}
	})
}

func TestService_Cancel(t *testing.T) {
	t.Run("moves the reservation to CANCELED and returns the stock", func(t *testing.T) {
		repo := newRepo()
		s := warehouse.New(repo)
		res, _, err := s.Reserve(ctx, request(4))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Cancel(ctx, res.ReservationID)
		if err != nil || got.Status != domain.ReservationCanceled {
			t.Fatalf("got %s %v, want CANCELED", got.Status, err)
		}
		if want := []transition{{res.ReservationID, domain.ReservationCanceled}}; !slices.Equal(repo.moves(), want) {
			t.Errorf("transitions: got %v, want %v", repo.moves(), want)
		}
		if got, want := repo.stock(productID), 10; got != want {
			t.Errorf("stock: got %d, want %d", got, want)
		}
	})
	t.Run("passes a conflict through", func(t *testing.T) {
		repo := newRepo()
		s := warehouse.New(repo)
		res, _, _ := s.Reserve(ctx, request(1))
		if _, err := s.Confirm(ctx, res.ReservationID); err != nil {
			t.Fatal(err)
		}
		_, err := s.Cancel(ctx, res.ReservationID)
		if got := domain.ErrorCode(err); got != domain.CodeConflict {
			t.Errorf("code: got %q, want %q", got, domain.CodeConflict)
		}
	})
}

func assertInvalidField(t *testing.T, err error, field string) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid {
		t.Fatalf("got %v, want an invalid error", err)
	}
	for _, f := range de.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("fields: got %+v, want one naming %q", de.Fields, field)
}
