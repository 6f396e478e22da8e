package warehouse_test

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

func TestService_Seed(t *testing.T) {
	t.Run("stores the fixed seed products once", func(t *testing.T) {
		repo := &memRepo{}
		s := warehouse.New(repo)
		for range 2 {
			if err := s.Seed(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := len(repo.products), len(warehouse.Seed); got != want {
			t.Errorf("products: got %d, want %d", got, want)
		}
		p, err := s.Product(ctx, warehouse.LimitedProductID)
		if err != nil || p.Stock != 5 {
			t.Errorf("limited product: got %+v %v, want a stock of 5", p, err)
		}
	})
}

func TestSeed(t *testing.T) {
	ids, codes, plenty := map[string]bool{}, map[string]bool{}, 0
	for _, p := range warehouse.Seed {
		in := domain.NewProduct{Code: p.Code, Name: p.Name, Description: p.Description, Stock: p.Stock, Price: p.Price, Currency: p.Currency}
		if err := in.Validate(); err != nil {
			t.Errorf("seed product %s: %v", p.Code, err)
		}
		if !domain.ValidID(p.ProductID) || ids[p.ProductID] || codes[p.Code] {
			t.Errorf("seed product %s %q: want a UUID and a code used once", p.ProductID, p.Code)
		}
		ids[p.ProductID], codes[p.Code] = true, true
		if p.Stock >= 100 {
			plenty++
		}
	}
	if plenty < 12 {
		t.Errorf("products with a stock of at least 100: got %d, want at least 12", plenty)
	}
	if !ids[warehouse.LimitedProductID] {
		t.Errorf("LimitedProductID %s: want it among the seed", warehouse.LimitedProductID)
	}
}
