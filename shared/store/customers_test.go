package store_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

// TestCustomers is the contract suite of customers.Repository.
func TestCustomers(t *testing.T) {
	forEachDB(t, "customers", func(t *testing.T, db *store.DB) {
		runCases(t, store.NewCustomers(db), []testCase[*store.Customers]{
			{"creates and gets a customer", testCustomerCreate},
			{"refuses an email already taken", testCustomerEmailTaken},
			{"answers not found for an unknown id", testCustomerNotFound},
			{"lists newest first", testCustomersNewestFirst},
			{"seeds only what is absent, twice harmlessly", testCustomersSeed},
		})
	})
}

func testCustomerCreate(t *testing.T, s *store.Customers) {
	c := newCustomer(1)
	must(t, s.CreateCustomer(t.Context(), c))
	got, err := s.Customer(t.Context(), c.CustomerID)
	must(t, err)
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("got %+v, want %+v", got, c)
	}
}

func testCustomerEmailTaken(t *testing.T, s *store.Customers) {
	c := newCustomer(2)
	must(t, s.CreateCustomer(t.Context(), c))
	twin := newCustomer(3)
	twin.Email = strings.ToUpper(c.Email)
	wantCode(t, s.CreateCustomer(t.Context(), twin), domain.CodeConflict)
	_, err := s.Customer(t.Context(), twin.CustomerID)
	wantCode(t, err, domain.CodeNotFound)
}

func testCustomerNotFound(t *testing.T, s *store.Customers) {
	_, err := s.Customer(t.Context(), domain.NewID())
	wantCode(t, err, domain.CodeNotFound)
}

func testCustomersNewestFirst(t *testing.T, s *store.Customers) {
	old, mid, newest := newCustomer(10), newCustomer(20), newCustomer(30)
	for _, c := range []domain.Customer{mid, newest, old} {
		must(t, s.CreateCustomer(t.Context(), c))
	}
	list, err := s.Customers(t.Context(), domain.Page{})
	must(t, err)
	got := customerIDs(list, old, mid, newest)
	want := []string{newest.CustomerID, mid.CustomerID, old.CustomerID}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func testCustomersSeed(t *testing.T, s *store.Customers) {
	seed := []domain.Customer{newCustomer(40), newCustomer(41), newCustomer(42)}
	must(t, s.SeedCustomers(t.Context(), seed))
	changed := seed[0]
	changed.Name = "Renamed"
	must(t, s.SeedCustomers(t.Context(), []domain.Customer{changed, seed[1], seed[2]}))
	for _, want := range seed {
		got, err := s.Customer(t.Context(), want.CustomerID)
		must(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
}

// customerIDs returns the ids of list that belong to some of only, in list order.
func customerIDs(list []domain.Customer, only ...domain.Customer) []string {
	var ids []string
	for _, c := range list {
		for _, o := range only {
			if c.CustomerID == o.CustomerID {
				ids = append(ids, c.CustomerID)
			}
		}
	}
	return ids
}
