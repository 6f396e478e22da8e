package billing_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/billing"
)

func newHandler(repo *memRepo, w *world) http.Handler {
	e := httpx.NewEngine(slog.New(slog.DiscardHandler))
	s := newService(repo, w)
	billing.Routes(e, s)
	billing.InternalRoutes(e, s)
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

func decodeInvoice(t *testing.T, rec *httptest.ResponseRecorder) domain.Invoice {
	t.Helper()
	var inv domain.Invoice
	if err := json.Unmarshal(rec.Body.Bytes(), &inv); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return inv
}

func TestInternalRoutes_CreateInvoice(t *testing.T) {
	o := order(domain.OrderShipped)
	body := `{"orderId":"` + o.OrderID + `"}`
	t.Run("answers 201 with a Location on a new invoice", func(t *testing.T) {
		rec := serve(newHandler(&memRepo{}, newWorld(o)), http.MethodPost, "/internal/invoices", body)
		if rec.Code != http.StatusCreated {
			t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusCreated, rec.Body)
		}
		inv := decodeInvoice(t, rec)
		if got, want := rec.Header().Get("Location"), "/api/invoices/"+inv.InvoiceID; got != want {
			t.Errorf("location: got %q, want %q", got, want)
		}
	})
	t.Run("answers 200 with the same invoice again", func(t *testing.T) {
		h := newHandler(&memRepo{}, newWorld(o))
		first := decodeInvoice(t, serve(h, http.MethodPost, "/internal/invoices", body))
		rec := serve(h, http.MethodPost, "/internal/invoices", body)
		if rec.Code != http.StatusOK {
			t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusOK, rec.Body)
		}
		if got := decodeInvoice(t, rec); got.InvoiceID != first.InvoiceID {
			t.Errorf("invoice: got %s, want %s", got.InvoiceID, first.InvoiceID)
		}
	})
	t.Run("answers 409 on an order that has not shipped", func(t *testing.T) {
		c := order(domain.OrderConfirmed)
		rec := serve(newHandler(&memRepo{}, newWorld(c)), http.MethodPost, "/internal/invoices", `{"orderId":"`+c.OrderID+`"}`)
		if rec.Code != http.StatusConflict {
			t.Errorf("status: got %d, want %d (%s)", rec.Code, http.StatusConflict, rec.Body)
		}
	})
	t.Run("answers 400 on a malformed order id", func(t *testing.T) {
		rec := serve(newHandler(&memRepo{}, newWorld()), http.MethodPost, "/internal/invoices", `{"orderId":"x"}`)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("status: got %d, want %d (%s)", rec.Code, http.StatusBadRequest, rec.Body)
		}
	})
}

func TestRoutes_List(t *testing.T) {
	tests := []struct {
		name, path string
		status     int
		body       string
	}{
		{"answers an empty array, not null, when there are none", "/api/invoices", http.StatusOK, "[]"},
		{"answers 400 on a malformed customerId filter", "/api/invoices?customerId=7", http.StatusBadRequest, ""},
		{"answers 400 on a malformed orderId filter", "/api/invoices?orderId=7", http.StatusBadRequest, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(newHandler(&memRepo{}, newWorld()), http.MethodGet, tc.path, "")
			if rec.Code != tc.status {
				t.Fatalf("status: got %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			if got := strings.TrimSpace(rec.Body.String()); tc.body != "" && got != tc.body {
				t.Errorf("body: got %s, want %s", got, tc.body)
			}
		})
	}
}
