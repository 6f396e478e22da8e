package clients_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/clients"
	"github.com/microservice-patterns/lab/shared/domain"
)

// TestClients_requests checks that every typed client method sends the method,
// path and body its service's API expects.
func TestClients_requests(t *testing.T) {
	const id = "33333333-3333-4333-8333-000000000001"
	ctx := context.Background()
	reservation := domain.ReservationRequest{OrderID: id, ItemID: id, ProductID: id, Quantity: 2}
	tests := []struct {
		name, method, path string
		body               any
		call               func(baseURL string, hc *http.Client) error
	}{
		{"Warehouse.Product", http.MethodGet, "/api/products/" + id, nil, func(u string, hc *http.Client) error {
			_, err := clients.NewWarehouse(u, hc).Product(ctx, id)
			return err
		}},
		{"Warehouse.Reservation", http.MethodGet, "/api/reservations/" + id, nil, func(u string, hc *http.Client) error {
			_, err := clients.NewWarehouse(u, hc).Reservation(ctx, id)
			return err
		}},
		{"Warehouse.Reserve", http.MethodPost, "/internal/reservations", reservation, func(u string, hc *http.Client) error {
			_, err := clients.NewWarehouse(u, hc).Reserve(ctx, reservation)
			return err
		}},
		{"Warehouse.ConfirmReservation", http.MethodPost, "/internal/reservations/" + id + "/confirm", nil, func(u string, hc *http.Client) error {
			_, err := clients.NewWarehouse(u, hc).ConfirmReservation(ctx, id)
			return err
		}},
		{"Warehouse.CancelReservation", http.MethodPost, "/internal/reservations/" + id + "/cancel", nil, func(u string, hc *http.Client) error {
			_, err := clients.NewWarehouse(u, hc).CancelReservation(ctx, id)
			return err
		}},
		{"Ordering.Order", http.MethodGet, "/api/orders/" + id, nil, func(u string, hc *http.Client) error {
			_, err := clients.NewOrdering(u, hc).Order(ctx, id)
			return err
		}},
		{"Shipping.CreateShipment", http.MethodPost, "/internal/shipments", domain.OrderRef{OrderID: id}, func(u string, hc *http.Client) error {
			_, err := clients.NewShipping(u, hc).CreateShipment(ctx, id)
			return err
		}},
		{"Billing.CreateInvoice", http.MethodPost, "/internal/invoices", domain.OrderRef{OrderID: id}, func(u string, hc *http.Client) error {
			_, err := clients.NewBilling(u, hc).CreateInvoice(ctx, id)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" sends "+tc.method+" "+tc.path, func(t *testing.T) {
			srv, seen := recording(t, struct{}{})
			if err := tc.call(srv.URL, srv.Client()); err != nil {
				t.Fatal(err)
			}
			r := <-seen
			if r.method != tc.method || r.path != tc.path {
				t.Errorf("request: got %s %s, want %s %s", r.method, r.path, tc.method, tc.path)
			}
			if tc.body == nil {
				if len(r.body) != 0 || r.header.Get("Content-Type") != "" {
					t.Errorf("body: got %q (%s), want none", r.body, r.header.Get("Content-Type"))
				}
				return
			}
			if got := r.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("content type: got %q, want application/json", got)
			}
			want, _ := json.Marshal(tc.body)
			if string(r.body) != string(want) {
				t.Errorf("body: got %s, want %s", r.body, want)
			}
		})
	}
}

func TestWarehouse_Reserve(t *testing.T) {
	t.Run("decodes the reservation of a 201 answer", func(t *testing.T) {
		want := domain.Reservation{ReservationID: domain.NewID(), Status: domain.ReservationRejected, Reason: "only 1 in stock", Quantity: 2}
		srv := server(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(want)
		})
		got, err := clients.NewWarehouse(srv.URL, srv.Client()).Reserve(context.Background(), domain.ReservationRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if got.ReservationID != want.ReservationID || got.Status != want.Status || got.Reason != want.Reason {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
}

// A caller that needs a whole list follows the Link header page after page.
func TestWarehouse_OrderReservationsFollowsLink(t *testing.T) {
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("after") == "" {
			w.Header().Set("Link", `</api/reservations?after=r2&limit=500&orderId=o1>; rel="next"`)
			fmt.Fprint(w, `[{"reservationId":"r1"},{"reservationId":"r2"}]`)
			return
		}
		fmt.Fprint(w, `[{"reservationId":"r3"}]`)
	}))
	defer srv.Close()
	rs, err := clients.NewWarehouse(srv.URL, srv.Client()).OrderReservations(context.Background(), "o1")
	if err != nil || len(rs) != 3 || rs[2].ReservationID != "r3" {
		t.Fatalf("got %+v %v, want the three reservations of both pages", rs, err)
	}
	if len(calls) != 2 || !strings.Contains(calls[1], "after=r2") {
		t.Errorf("calls %v, want the first page and the one its Link names", calls)
	}
}
