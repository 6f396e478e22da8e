package customers_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/customers"
)

func newHandler(repo *memRepo) http.Handler {
	e := httpx.NewEngine(slog.New(slog.DiscardHandler))
	customers.Routes(e, customers.New(repo))
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

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) httpx.Problem {
	t.Helper()
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, httpx.ProblemContentType) {
		t.Errorf("content type: got %q, want %q", got, httpx.ProblemContentType)
	}
	var p httpx.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem: %v in %s", err, rec.Body)
	}
	return p
}

func TestRoutes_Create(t *testing.T) {
	t.Run("answers 201 with a Location and the customer", func(t *testing.T) {
		h := newHandler(&memRepo{})
		rec := serve(h, http.MethodPost, "/api/customers", `{"name":"Edsger Dijkstra","email":"edsger@example.com","address":"Amsterdam"}`)
		if rec.Code != http.StatusCreated {
			t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusCreated, rec.Body)
		}
		var c domain.Customer
		if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		if got, want := rec.Header().Get("Location"), "/api/customers/"+c.CustomerID; got != want || c.CustomerID == "" {
			t.Errorf("location: got %q, want %q", got, want)
		}
		if rec := serve(h, http.MethodGet, "/api/customers/"+c.CustomerID, ""); rec.Code != http.StatusOK {
			t.Errorf("GET the Location: got %d, want %d", rec.Code, http.StatusOK)
		}
	})

	bad := []struct {
		name, body string
		status     int
		field      string
	}{
		{"answers 400 on malformed JSON", `{"name":`, http.StatusBadRequest, ""},
		{"answers 400 on a wrong type", `{"name":7,"email":"a@example.com","address":"x"}`, http.StatusBadRequest, "name"},
		{"answers 400 on an unknown field", `{"name":"A","email":"a@example.com","address":"x","age":3}`, http.StatusBadRequest, "age"},
		{"answers 400 naming an invalid field", `{"name":"A","email":"nope","address":"x"}`, http.StatusBadRequest, "email"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			repo := &memRepo{}
			rec := serve(newHandler(repo), http.MethodPost, "/api/customers", tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status: got %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			p := decodeProblem(t, rec)
			if p.Status != tc.status || p.Detail == "" {
				t.Errorf("problem: got %+v, want status %d with a detail", p, tc.status)
			}
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Errorf("errors: got %+v, want one for %q", p.Errors, tc.field)
			}
			if n := repo.count(); n != 0 {
				t.Errorf("stored: got %d customers, want 0", n)
			}
		})
	}

	t.Run("answers 409 on a taken email", func(t *testing.T) {
		h := newHandler(&memRepo{})
		body := `{"name":"A","email":"a@example.com","address":"x"}`
		serve(h, http.MethodPost, "/api/customers", body)
		rec := serve(h, http.MethodPost, "/api/customers", body)
		if rec.Code != http.StatusConflict {
			t.Fatalf("status: got %d, want %d (%s)", rec.Code, http.StatusConflict, rec.Body)
		}
		decodeProblem(t, rec)
	})
}

func TestRoutes_List(t *testing.T) {
	t.Run("answers an empty array, not null, when there are none", func(t *testing.T) {
		rec := serve(newHandler(&memRepo{}), http.MethodGet, "/api/customers", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("status: got %d, want %d", rec.Code, http.StatusOK)
		}
		if got := strings.TrimSpace(rec.Body.String()); got != "[]" {
			t.Errorf("body: got %s, want []", got)
		}
	})
	t.Run("answers the customers, newest first", func(t *testing.T) {
		repo := &memRepo{}
		if err := customers.New(repo).Seed(ctx); err != nil {
			t.Fatal(err)
		}
		rec := serve(newHandler(repo), http.MethodGet, "/api/customers", "")
		var list []domain.Customer
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
			t.Fatal(err)
		}
		if got, want := len(list), len(customers.Seed); got != want {
			t.Fatalf("customers: got %d, want %d", got, want)
		}
		if got, want := list[0].CustomerID, customers.Seed[len(customers.Seed)-1].CustomerID; got != want {
			t.Errorf("first: got %s, want %s", got, want)
		}
	})
}

func TestRoutes_Get(t *testing.T) {
	repo := &memRepo{}
	if err := customers.New(repo).Seed(ctx); err != nil {
		t.Fatal(err)
	}
	h := newHandler(repo)
	tests := []struct {
		name, path string
		status     int
	}{
		{"answers 200 with a known customer", "/api/customers/" + customers.Seed[0].CustomerID, http.StatusOK},
		{"answers 404 for an unknown id", "/api/customers/" + domain.NewID(), http.StatusNotFound},
		{"answers 400 for a malformed id", "/api/customers/not-a-uuid", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(h, http.MethodGet, tc.path, "")
			if rec.Code != tc.status {
				t.Fatalf("status: got %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			if tc.status != http.StatusOK {
				decodeProblem(t, rec)
			}
		})
	}
}
