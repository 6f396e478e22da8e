package customers_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/customers"
)

var ctx = context.Background()

func validCustomer() domain.NewCustomer {
	return domain.NewCustomer{Name: "Edsger Dijkstra", Email: "edsger@example.com", Address: "Plantage Muidergracht 24, Amsterdam"}
}

func TestService_Create(t *testing.T) {
	t.Run("stores the trimmed customer with a new id", func(t *testing.T) {
		repo := &memRepo{}
		s := customers.New(repo)
		got, err := s.Create(ctx, domain.NewCustomer{Name: "  Edsger Dijkstra ", Email: " edsger@example.com\t", Address: "\n Amsterdam "})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Edsger Dijkstra" || got.Email != "edsger@example.com" || got.Address != "Amsterdam" {
			t.Errorf("got %+v, want trimmed name, email and address", got)
		}
		if !domain.ValidID(got.CustomerID) {
			t.Errorf("customerId: got %q, want a UUID", got.CustomerID)
		}
		if got.CreatedAt.IsZero() || got.CreatedAt.Location().String() != "UTC" {
			t.Errorf("createdAt: got %v, want a UTC time", got.CreatedAt)
		}
		stored, err := s.Customer(ctx, got.CustomerID)
		if err != nil || stored != got {
			t.Errorf("stored: got %+v %v, want %+v", stored, err, got)
		}
	})

	invalid := []struct {
		name  string
		edit  func(*domain.NewCustomer)
		field string
	}{
		{"refuses a blank name", func(n *domain.NewCustomer) { n.Name = "   " }, "name"},
		{"refuses a name over 200 characters", func(n *domain.NewCustomer) { n.Name = strings.Repeat("a", 201) }, "name"},
		{"refuses a missing email", func(n *domain.NewCustomer) { n.Email = "" }, "email"},
		{"refuses an email without @", func(n *domain.NewCustomer) { n.Email = "edsger.example.com" }, "email"},
		{"refuses an email with a display name", func(n *domain.NewCustomer) { n.Email = "Edsger <edsger@example.com>" }, "email"},
		{"refuses a blank address", func(n *domain.NewCustomer) { n.Address = " " }, "address"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			repo := &memRepo{}
			in := validCustomer()
			tc.edit(&in)
			_, err := customers.New(repo).Create(ctx, in)
			assertInvalidField(t, err, tc.field)
			if n := repo.count(); n != 0 {
				t.Errorf("stored: got %d customers, want 0", n)
			}
		})
	}

	t.Run("passes a taken email through as a conflict", func(t *testing.T) {
		s := customers.New(&memRepo{})
		if _, err := s.Create(ctx, validCustomer()); err != nil {
			t.Fatal(err)
		}
		_, err := s.Create(ctx, validCustomer())
		if got := domain.ErrorCode(err); got != domain.CodeConflict {
			t.Errorf("code: got %q (%v), want %q", got, err, domain.CodeConflict)
		}
	})

	t.Run("keeps the repository's error in the chain", func(t *testing.T) {
		want := domain.Errorf(domain.CodeUnavailable, "database is down")
		_, err := customers.New(&memRepo{err: want}).Create(ctx, validCustomer())
		if !errors.Is(err, want) {
			t.Errorf("got %v, want it to wrap %v", err, want)
		}
	})
}

func TestService_Customer(t *testing.T) {
	t.Run("answers not found for an unknown id", func(t *testing.T) {
		_, err := customers.New(&memRepo{}).Customer(ctx, domain.NewID())
		if got := domain.ErrorCode(err); got != domain.CodeNotFound {
			t.Errorf("code: got %q, want %q", got, domain.CodeNotFound)
		}
	})
}

func TestService_Seed(t *testing.T) {
	t.Run("stores the fixed seed customers", func(t *testing.T) {
		repo := &memRepo{}
		s := customers.New(repo)
		if err := s.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		for _, want := range customers.Seed {
			got, err := s.Customer(ctx, want.CustomerID)
			if err != nil || got != want {
				t.Errorf("customer %s: got %+v %v, want %+v", want.CustomerID, got, err, want)
			}
		}
	})
	t.Run("adds nothing when seeded twice", func(t *testing.T) {
		repo := &memRepo{}
		s := customers.New(repo)
		for range 2 {
			if err := s.Seed(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := repo.count(), len(customers.Seed); got != want {
			t.Errorf("customers: got %d, want %d", got, want)
		}
	})
	t.Run("passes the repository's error through", func(t *testing.T) {
		want := domain.Errorf(domain.CodeUnavailable, "database is down")
		if err := customers.New(&memRepo{err: want}).Seed(ctx); !errors.Is(err, want) {
			t.Errorf("got %v, want %v", err, want)
		}
	})
}

func TestSeed(t *testing.T) {
	if got := len(customers.Seed); got < 3 {
		t.Fatalf("seed customers: got %d, want at least 3", got)
	}
	ids, emails := map[string]bool{}, map[string]bool{}
	for _, c := range customers.Seed {
		in := domain.NewCustomer{Name: c.Name, Email: c.Email, Address: c.Address}
		if err := in.Validate(); err != nil {
			t.Errorf("seed customer %s: %v", c.CustomerID, err)
		}
		if !domain.ValidID(c.CustomerID) || ids[c.CustomerID] {
			t.Errorf("seed customer id %q: want a UUID used once", c.CustomerID)
		}
		if emails[c.Email] {
			t.Errorf("seed email %q: want it used once", c.Email)
		}
		ids[c.CustomerID], emails[c.Email] = true, true
	}
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
