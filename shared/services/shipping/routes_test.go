package shipping_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/shipping"
)

func newHandler(repo *memRepo, w *world) http.Handler {
	e := httpx.NewEngine(slog.New(slog.DiscardHandler))
	s := shipping.New(repo, w, w, 0)
	shipping.Routes(e, s)
	shipping.InternalRoutes(e, s)
	return e
}

func post(h http.Handler, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestInternalRoutes_CreateShipment(t *testing.T) {
	o := order(domain.OrderConfirmed)
	body := `{"orderId":"` + o.OrderID + `"}`

	t.Run("answers 201 with a Location on a new shipment", func(t *testing.T) {
		rec := post(newHandler(&memRepo{}, newWorld(o)), "/internal/shipments", body)
		if rec.Code != http.StatusCreated {
			t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusCreated, rec.Body)
		}
		sh := decodeShipment(t, rec)
		if got, want := rec.Header().Get("Location"), "/api/shipments/"+sh.ShipmentID; got != want {
			t.Errorf("location: got %q, want %q", got, want)
		}
	})
	t.Run("answers 200 with the same shipment again", func(t *testing.T) {
		h := newHandler(&memRepo{}, newWorld(o))
		first := decodeShipment(t, post(h, "/internal/shipments", body))
		rec := post(h, "/internal/shipments", body)
		if rec.Code != http.StatusOK {
			t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusOK, rec.Body)
		}
		if got := decodeShipment(t, rec); got.ShipmentID != first.ShipmentID {
			t.Errorf("shipment: got %s, want %s", got.ShipmentID, first.ShipmentID)
		}
	})

	tests := []struct {
		name, body string
		status     int
	}{
		{"answers 400 on a malformed order id", `{"orderId":"42"}`, http.StatusBadRequest},
		{"answers 400 on an unknown order", `{"orderId":"` + domain.NewID() + `"}`, http.StatusBadRequest},
		{"answers 400 on malformed JSON", `{`, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if rec := post(newHandler(&memRepo{}, newWorld(o)), "/internal/shipments", tc.body); rec.Code != tc.status {
				t.Errorf("status: got %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
		})
	}
	t.Run("answers 409 on an open order", func(t *testing.T) {
		open := order(domain.OrderOpen)
		rec := post(newHandler(&memRepo{}, newWorld(open)), "/internal/shipments", `{"orderId":"`+open.OrderID+`"}`)
		if rec.Code != http.StatusConflict {
			t.Errorf("status: got %d, want %d (%s)", rec.Code, http.StatusConflict, rec.Body)
		}
	})
}

func TestRoutes_List(t *testing.T) {
	t.Run("answers an empty array, not null, when there are none", func(t *testing.T) {
		rec := httptest.NewRecorder()
		newHandler(&memRepo{}, newWorld()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/shipments", nil))
		if got := strings.TrimSpace(rec.Body.String()); rec.Code != http.StatusOK || got != "[]" {
			t.Errorf("got %d %s, want 200 []", rec.Code, got)
		}
	})
}

func decodeShipment(t *testing.T, rec *httptest.ResponseRecorder) domain.Shipment {
	t.Helper()
	var sh domain.Shipment
	if err := json.Unmarshal(rec.Body.Bytes(), &sh); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return sh
}
