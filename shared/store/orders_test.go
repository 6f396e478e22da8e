package store_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

// TestOrders is the contract suite of ordering.Repository.
func TestOrders(t *testing.T) {
	forEachDB(t, "ordering", func(t *testing.T, db *store.DB) {
		runCases(t, store.NewOrders(db), []testCase[*store.Orders]{
			{"creates and gets an order with its items in order", testOrderCreate},
			{"an order without items has an empty list", testOrderNoItems},
			{"refuses an id already stored", testOrderDuplicate},
			{"answers not found for an unknown id", testOrderNotFound},
			{"lists newest first and filters", testOrdersList},
			{"lists in keyset pages, ties broken by id", testOrdersPages},
			{"UpdateOrder stores what fn changed", testUpdateOrder},
			{"UpdateOrder stores nothing when fn fails", testUpdateOrderFails},
			{"UpdateOrder passes a domain error through", testUpdateOrderDomainError},
			{"UpdateOrder answers not found for an unknown id", testUpdateOrderNotFound},
		})
	})
}

func newItem(status domain.ItemStatus) domain.OrderItem {
	return domain.OrderItem{ItemID: domain.NewID(), ProductID: domain.NewID(), Quantity: 2, UnitPrice: 1250, Status: status}
}

func mustOrder(t *testing.T, s *store.Orders, customerID string, n int) domain.Order {
	t.Helper()
	o := newOrder(customerID, n)
	must(t, s.CreateOrder(t.Context(), o))
	return o
}

func testOrderCreate(t *testing.T, s *store.Orders) {
	o := newOrder(domain.NewID(), 1)
	reserved := newItem(domain.ItemReserved)
	reserved.ReservationID = domain.NewID()
	o.Items = []domain.OrderItem{newItem(domain.ItemPending), reserved, newItem(domain.ItemCanceled)}
	o.Recalculate()
	must(t, s.CreateOrder(t.Context(), o))
	got, err := s.Order(t.Context(), o.OrderID)
	must(t, err)
	if !reflect.DeepEqual(got, o) {
		t.Fatalf("got %+v, want %+v", got, o)
	}
}

func testOrderNoItems(t *testing.T, s *store.Orders) {
	o := newOrder(domain.NewID(), 2)
	o.Items = nil
	must(t, s.CreateOrder(t.Context(), o))
	got, err := s.Order(t.Context(), o.OrderID)
	must(t, err)
	b, err := json.Marshal(got)
	must(t, err)
	var fields map[string]json.RawMessage
	must(t, json.Unmarshal(b, &fields))
	if got.Items == nil || string(fields["items"]) != "[]" {
		t.Fatalf("items: got %#v, JSON %s, want []", got.Items, fields["items"])
	}
}

func testOrderDuplicate(t *testing.T, s *store.Orders) {
	o := mustOrder(t, s, domain.NewID(), 3)
	wantCode(t, s.CreateOrder(t.Context(), o), domain.CodeConflict)
}

func testOrderNotFound(t *testing.T, s *store.Orders) {
	_, err := s.Order(t.Context(), domain.NewID())
	wantCode(t, err, domain.CodeNotFound)
}

func testOrdersList(t *testing.T, s *store.Orders) {
	customer := domain.NewID()
	old, newest := mustOrder(t, s, customer, 10), mustOrder(t, s, customer, 30)
	canceled := newOrder(customer, 20)
	canceled.Status = domain.OrderCanceled
	must(t, s.CreateOrder(t.Context(), canceled))
	other := mustOrder(t, s, domain.NewID(), 40)

	wantOrders(t, s, customer, "", newest, canceled, old)
	wantOrders(t, s, customer, domain.OrderOpen, newest, old)
	wantOrders(t, s, customer, domain.OrderCompleted)
	all, err := s.Orders(t.Context(), "", "", domain.Page{})
	must(t, err)
	if len(all) < 4 || all[0].OrderID != other.OrderID {
		t.Fatalf("unfiltered: got %d orders, the newest is not first", len(all))
	}
}

// wantOrders checks the ids of the orders listed with the filters.
func wantOrders(t *testing.T, s *store.Orders, customerID string, status domain.OrderStatus, want ...domain.Order) {
	t.Helper()
	list, err := s.Orders(t.Context(), customerID, status, domain.Page{})
	must(t, err)
	got, wantIDs := []string{}, []string{}
	for _, o := range list {
		got = append(got, o.OrderID)
	}
	for _, o := range want {
		wantIDs = append(wantIDs, o.OrderID)
	}
	if !reflect.DeepEqual(got, wantIDs) {
		t.Fatalf("Orders(%s, %q): got %v, want %v", customerID, status, got, wantIDs)
	}
}

func testUpdateOrder(t *testing.T, s *store.Orders) {
	o := mustOrder(t, s, domain.NewID(), 1)
	first, second := newItem(domain.ItemPending), newItem(domain.ItemPending)
	updated, err := s.UpdateOrder(t.Context(), o.OrderID, func(o *domain.Order) error {
		o.Items = append(o.Items, first, second)
		o.SetItemOutcome(first.ItemID, domain.NewID(), domain.ItemReserved, at(5))
		return nil
	})
	must(t, err)
	got, err := s.Order(t.Context(), o.OrderID)
	must(t, err)
	if !reflect.DeepEqual(got, updated) || got.UpdatedAt != at(5) || got.Total != 2500 {
		t.Fatalf("stored %+v, answered %+v", got, updated)
	}
	if got.Items[0].ItemID != first.ItemID || got.Items[1].ItemID != second.ItemID {
		t.Fatalf("items out of order: %+v", got.Items)
	}
}

func testUpdateOrderFails(t *testing.T, s *store.Orders) {
	o := mustOrder(t, s, domain.NewID(), 2)
	boom := errors.New("boom")
	_, err := s.UpdateOrder(t.Context(), o.OrderID, func(o *domain.Order) error {
		o.Items = append(o.Items, newItem(domain.ItemPending))
		o.Status = domain.OrderCanceled
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want fn's error", err)
	}
	got, err := s.Order(t.Context(), o.OrderID)
	must(t, err)
	if !reflect.DeepEqual(got, o) {
		t.Fatalf("got %+v, want it unchanged %+v", got, o)
	}
}

func testUpdateOrderDomainError(t *testing.T, s *store.Orders) {
	o := mustOrder(t, s, domain.NewID(), 3)
	_, err := s.UpdateOrder(t.Context(), o.OrderID, func(o *domain.Order) error {
		_, err := o.Confirm(at(4)) // an order without items cannot be confirmed
		return err
	})
	wantCode(t, err, domain.CodeConflict)
}

func testUpdateOrderNotFound(t *testing.T, s *store.Orders) {
	called := false
	_, err := s.UpdateOrder(t.Context(), domain.NewID(), func(*domain.Order) error { called = true; return nil })
	wantCode(t, err, domain.CodeNotFound)
	if called {
		t.Fatal("fn was called")
	}
}

func testOrdersPages(t *testing.T, s *store.Orders) {
	customer := domain.NewID()
	for _, n := range []int{1, 2, 2, 2, 3, 4, 5} { // three orders share a creation time
		mustOrder(t, s, customer, n)
	}
	whole, err := s.Orders(t.Context(), customer, "", domain.Page{})
	must(t, err)
	var paged []string
	page := domain.Page{Limit: 2}
	for pages := 0; ; pages++ {
		list, err := s.Orders(t.Context(), customer, "", page)
		must(t, err)
		if len(list) > page.Limit+1 || pages > 10 {
			t.Fatalf("page %d: %d orders for a limit of %d", pages, len(list), page.Limit)
		}
		more := len(list) > page.Limit
		if more {
			list = list[:page.Limit]
		}
		for _, o := range list {
			paged = append(paged, o.OrderID)
		}
		if !more {
			break
		}
		page.After = list[len(list)-1].OrderID
	}
	var want []string
	for _, o := range whole {
		want = append(want, o.OrderID)
	}
	if !reflect.DeepEqual(paged, want) {
		t.Errorf("paged %v, want %v", paged, want)
	}
	none, err := s.Orders(t.Context(), customer, "", domain.Page{Limit: 2, After: domain.NewID()})
	must(t, err)
	if len(none) != 0 {
		t.Errorf("an unknown cursor: got %d orders, want none", len(none))
	}
}
