package warehouse_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

func newHandler(repo *memRepo) http.Handler {
	e := httpx.NewEngine(slog.New(slog.DiscardHandler))
	s := warehouse.New(repo)
	warehouse.Routes(e, s)
	warehouse.InternalRoutes(e, s)
	return e
}

func serve(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return v
}

func reserveBody(itemID string, quantity int) string {
	return fmt.Sprintf(`{"orderId":%q,"itemId":%q,"productId":%q,"quantity":%d}`, orderID, itemID, productID, quantity)
}

func TestInternalRoutes_Reserve(t *testing.T) {
	t.Run("answers 201 with a Location on a new reservation", func(t *testing.T) {
		rec := serve(newHandler(newRepo()), http.MethodPost, "/internal/reservations", reserveBody(domain.NewID(), 2))
		if rec.Code != http.StatusCreated {
			t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusCreated, rec.Body)
		}
		res := decode[domain.Reservation](t, rec)
		if res.Status != domain.ReservationReserved {
			t.Errorf("status: got %s, want RESERVED", res.Status)
		}
		if got, want := rec.Header().Get("Location"), "/api/reservations/"+res.ReservationID; got != want {
			t.Errorf("location: got %q, want %q", got, want)
		}
	})
	t.Run("answers 200 with the same reservation for the same item again", func(t *testing.T) {
		repo := newRepo()
		h := newHandler(repo)
		body := reserveBody(domain.NewID(), 2)
		first := decode[domain.Reservation](t, serve(h, http.MethodPost, "/internal/reservations", body))
		rec := serve(h, http.MethodPost, "/internal/reservations", body)
		if rec.Code != http.StatusOK {
			t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusOK, rec.Body)
		}
		if got := decode[domain.Reservation](t, rec); got.ReservationID != first.ReservationID {
			t.Errorf("reservation: got %s, want %s", got.ReservationID, first.ReservationID)
		}
		if got, want := repo.stock(productID), 8; got != want {
			t.Errorf("stock: got %d, want %d", got, want)
		}
	})
	t.Run("answers 201 REJECTED with a reason when stock is short", func(t *testing.T) {
		rec := serve(newHandler(newRepo()), http.MethodPost, "/internal/reservations", reserveBody(domain.NewID(), 11))
		if rec.Code != http.StatusCreated {
			t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusCreated, rec.Body)
		}
		if res := decode[domain.Reservation](t, rec); res.Status != domain.ReservationRejected || res.Reason == "" {
			t.Errorf("got %+v, want REJECTED with a reason", res)
		}
	})

	bad := []struct {
		name, body string
		field      string
	}{
		{"answers 400 on malformed JSON", `{"orderId":`, ""},
		{"answers 400 on a quantity out of range", reserveBody(domain.NewID(), 0), "quantity"},
		{"answers 400 on an unknown product", strings.Replace(reserveBody(domain.NewID(), 1), productID, domain.NewID(), 1), "productId"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(newHandler(newRepo()), http.MethodPost, "/internal/reservations", tc.body)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusBadRequest, rec.Body)
			}
			p := decode[httpx.Problem](t, rec)
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Errorf("errors: got %+v, want one for %q", p.Errors, tc.field)
			}
		})
	}
}

func TestInternalRoutes_Transitions(t *testing.T) {
	for _, action := range []string{"confirm", "cancel"} {
		t.Run(action+" answers 200 with the moved reservation", func(t *testing.T) {
			repo := newRepo()
			h := newHandler(repo)
			res := decode[domain.Reservation](t, serve(h, http.MethodPost, "/internal/reservations", reserveBody(domain.NewID(), 1)))
			rec := serve(h, http.MethodPost, "/internal/reservations/"+res.ReservationID+"/"+action, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusOK, rec.Body)
			}
			want := map[string]domain.ReservationStatus{"confirm": domain.ReservationConfirmed, "cancel": domain.ReservationCanceled}[action]
			if got := decode[domain.Reservation](t, rec).Status; got != want {
				t.Errorf("status: got %s, want %s", got, want)
			}
		})
		t.Run(action+" answers 400 on a malformed id in the path", func(t *testing.T) {
			repo := newRepo()
			rec := serve(newHandler(repo), http.MethodPost, "/internal/reservations/not-a-uuid/"+action, "")
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusBadRequest, rec.Body)
			}
			if p := decode[httpx.Problem](t, rec); len(p.Errors) == 0 || p.Errors[0].Field != "reservationId" {
				t.Errorf("errors: got %+v, want one for reservationId", p.Errors)
			}
			if got := repo.moves(); len(got) != 0 {
				t.Errorf("transitions: got %v, want none", got)
			}
		})
		t.Run(action+" answers 404 on an unknown id", func(t *testing.T) {
			rec := serve(newHandler(newRepo()), http.MethodPost, "/internal/reservations/"+domain.NewID()+"/"+action, "")
			if rec.Code != http.StatusNotFound {
				t.Errorf("status: got %d, want %d (%s)", rec.Code, http.StatusNotFound, rec.Body)
			}
		})
	}
	t.Run("answers 409 on confirming a cancelled reservation", func(t *testing.T) {
		h := newHandler(newRepo())
		res := decode[domain.Reservation](t, serve(h, http.MethodPost, "/internal/reservations", reserveBody(domain.NewID(), 1)))
		serve(h, http.MethodPost, "/internal/reservations/"+res.ReservationID+"/cancel", "")
		if rec := serve(h, http.MethodPost, "/internal/reservations/"+res.ReservationID+"/confirm", ""); rec.Code != http.StatusConflict {
			t.Errorf("status: got %d, want %d (%s)", rec.Code, http.StatusConflict, rec.Body)
		}
	})
}

func TestRoutes(t *testing.T) {
	t.Run("lists products as an empty array when there are none", func(t *testing.T) {
		rec := serve(newHandler(&memRepo{}), http.MethodGet, "/api/products", "")
		if got := strings.TrimSpace(rec.Body.String()); rec.Code != http.StatusOK || got != "[]" {
			t.Errorf("got %d %s, want 200 []", rec.Code, got)
		}
	})
	t.Run("answers 201 with a Location on a new product", func(t *testing.T) {
		rec := serve(newHandler(&memRepo{}), http.MethodPost, "/api/products",
			`{"code":"PN-1","name":"Pen","description":"","stock":3,"price":100,"currency":"EUR"}`)
		if rec.Code != http.StatusCreated {
			t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusCreated, rec.Body)
		}
		if p := decode[domain.Product](t, rec); rec.Header().Get("Location") != "/api/products/"+p.ProductID {
			t.Errorf("location: got %q, want /api/products/%s", rec.Header().Get("Location"), p.ProductID)
		}
	})
	t.Run("answers 400 on a product in another currency", func(t *testing.T) {
		rec := serve(newHandler(&memRepo{}), http.MethodPost, "/api/products",
			`{"code":"PN-1","name":"Pen","description":"","stock":3,"price":100,"currency":"USD"}`)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("status: got %d, want %d (%s)", rec.Code, http.StatusBadRequest, rec.Body)
		}
	})
	t.Run("answers 400 on a malformed orderId filter", func(t *testing.T) {
		rec := serve(newHandler(newRepo()), http.MethodGet, "/api/reservations?orderId=7", "")
		if rec.Code != http.StatusBadRequest {
			t.Errorf("status: got %d, want %d (%s)", rec.Code, http.StatusBadRequest, rec.Body)
		}
	})
}
