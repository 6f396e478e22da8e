package store_test

import (
	"reflect"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

// TestShipments is the contract suite of shipping.Repository.
func TestShipments(t *testing.T) {
	forEachDB(t, "shipping", func(t *testing.T, db *store.DB) {
		runCases(t, store.NewShipments(db), []testCase[*store.Shipments]{
			{"creates and gets a shipment", testShipmentCreate},
			{"is idempotent on the order", testShipmentIdempotent},
			{"a shipment without items has an empty list", testShipmentNoItems},
			{"answers not found for an unknown id", testShipmentNotFound},
			{"ships once", testShipmentShipOnce},
			{"lists newest first, pending oldest first", testShipmentsList},
		})
	})
}

func newShipment(n int) domain.Shipment {
	return domain.Shipment{
		ShipmentID: domain.NewID(), OrderID: domain.NewID(), CustomerID: domain.NewID(), Address: "1 Test Street",
		Items:  []domain.ShipmentItem{{ProductID: domain.NewID(), Quantity: 2}, {ProductID: domain.NewID(), Quantity: 1}},
		Status: domain.ShipmentPending, CreatedAt: at(n),
	}
}

func mustShipment(t *testing.T, s *store.Shipments, n int) domain.Shipment {
	t.Helper()
	sh := newShipment(n)
	_, _, err := s.CreateShipment(t.Context(), sh)
	must(t, err)
	return sh
}

func testShipmentCreate(t *testing.T, s *store.Shipments) {
	sh := newShipment(1)
	got, created, err := s.CreateShipment(t.Context(), sh)
	must(t, err)
	if !created || !reflect.DeepEqual(got, sh) {
		t.Fatalf("got %+v (created %v), want %+v (created)", got, created, sh)
	}
	got, err = s.Shipment(t.Context(), sh.ShipmentID)
	must(t, err)
	if !reflect.DeepEqual(got, sh) {
		t.Fatalf("got %+v, want %+v", got, sh)
	}
}

func testShipmentIdempotent(t *testing.T, s *store.Shipments) {
	sh := mustShipment(t, s, 2)
	twin := newShipment(3)
	twin.OrderID = sh.OrderID
	got, created, err := s.CreateShipment(t.Context(), twin)
	must(t, err)
	if created || !reflect.DeepEqual(got, sh) {
		t.Fatalf("got %+v (created %v), want the first one %+v", got, created, sh)
	}
}

func testShipmentNoItems(t *testing.T, s *store.Shipments) {
	sh := newShipment(4)
	sh.Items = nil
	got, _, err := s.CreateShipment(t.Context(), sh)
	must(t, err)
	if got.Items == nil || len(got.Items) != 0 {
		t.Fatalf("items: got %#v, want []", got.Items)
	}
}

func testShipmentNotFound(t *testing.T, s *store.Shipments) {
	_, err := s.Shipment(t.Context(), domain.NewID())
	wantCode(t, err, domain.CodeNotFound)
	_, _, err = s.ShipShipment(t.Context(), domain.NewID(), at(0))
	wantCode(t, err, domain.CodeNotFound)
}

func testShipmentShipOnce(t *testing.T, s *store.Shipments) {
	sh := mustShipment(t, s, 5)
	shipped, changed, err := s.ShipShipment(t.Context(), sh.ShipmentID, at(6))
	must(t, err)
	if !changed || shipped.Status != domain.ShipmentShipped || shipped.ShippedAt == nil || *shipped.ShippedAt != at(6) {
		t.Fatalf("got %+v (changed %v), want SHIPPED at %v", shipped, changed, at(6))
	}
	again, changed, err := s.ShipShipment(t.Context(), sh.ShipmentID, at(7))
	must(t, err)
	if changed || !reflect.DeepEqual(again, shipped) {
		t.Fatalf("again: got %+v (changed %v), want %+v unchanged", again, changed, shipped)
	}
	stored, err := s.Shipment(t.Context(), sh.ShipmentID)
	must(t, err)
	if !reflect.DeepEqual(stored, shipped) {
		t.Fatalf("stored %+v, want %+v", stored, shipped)
	}
}

func testShipmentsList(t *testing.T, s *store.Shipments) {
	newest, done, old := mustShipment(t, s, 300), mustShipment(t, s, 200), mustShipment(t, s, 100)
	_, _, err := s.ShipShipment(t.Context(), done.ShipmentID, at(400))
	must(t, err)
	all, err := s.Shipments(t.Context(), "", domain.Page{})
	must(t, err)
	if got := shipmentIDs(all, old, newest, done); !reflect.DeepEqual(got, []string{newest.ShipmentID, done.ShipmentID, old.ShipmentID}) {
		t.Fatalf("all: got %v", got)
	}
	pending, err := s.PendingShipments(t.Context())
	must(t, err)
	if got := shipmentIDs(pending, old, newest, done); !reflect.DeepEqual(got, []string{old.ShipmentID, newest.ShipmentID}) {
		t.Fatalf("pending: got %v", got)
	}
	byOrder, err := s.Shipments(t.Context(), done.OrderID, domain.Page{})
	must(t, err)
	if len(byOrder) != 1 || byOrder[0].ShipmentID != done.ShipmentID {
		t.Fatalf("filtered on order: got %+v", byOrder)
	}
}

// shipmentIDs returns the ids of list that belong to some of only, in list order.
func shipmentIDs(list []domain.Shipment, only ...domain.Shipment) []string {
	ids := []string{}
	for _, sh := range list {
		for _, o := range only {
			if sh.ShipmentID == o.ShipmentID {
				ids = append(ids, sh.ShipmentID)
			}
		}
	}
	return ids
}
