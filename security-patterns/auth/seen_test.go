package auth

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/httpx"
)

func TestTracked(t *testing.T) {
	cases := []struct {
		method, path string
		want         bool
	}{
		{http.MethodPost, "/api/orders", true},
		{http.MethodPost, "/api/orders/o1/items", true},
		{http.MethodDelete, "/api/orders/o1/items/i1", true},
		{http.MethodPost, "/api/orders/o1/confirm", true},
		{http.MethodGet, "/api/orders/o1", false}, // a poll hides no hop
		{http.MethodGet, "/api/orders", false},
		{http.MethodPost, "/internal/reservations", true},
		{http.MethodGet, "/internal/anything", true},
		{http.MethodGet, "/api/customers/c1", true}, // a service reads the order's customer
		{http.MethodGet, "/api/customers", false},   // the shop's list
		{http.MethodPost, "/api/customers", false},
		{http.MethodGet, "/api/products", false},
		{http.MethodPost, "/api/ordersx", false},
	}
	for _, tc := range cases {
		if got := Tracked(tc.method, tc.path); got != tc.want {
			t.Errorf("Tracked(%s %s) = %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
}

func request(method, path, id string) *http.Request {
	r := httptest.NewRequest(method, path, nil)
	return r.WithContext(httpx.WithRequestID(r.Context(), id))
}

func TestSeen_recordsTheLastTrackedToken(t *testing.T) {
	var s Seen
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	first := &Claims{Subject: "ada", Audience: []string{"ordering"}, Scope: "orders:write", JTI: "t1", ClientID: "gateway",
		Expiry: exp.Unix(), Act: map[string]any{"sub": "gateway"}}
	s.Observe(request(http.MethodPost, "/api/orders/o1/confirm", "req-1"), first)
	// A read of the order after it is not an order's hop: the confirm's token stays.
	s.Observe(request(http.MethodGet, "/api/orders/o1", "req-2"), &Claims{Subject: "ada", JTI: "t2"})
	s.Observe(request(http.MethodPost, "/internal/shipments", "req-3"), nil)

	got := s.Table(app.Table{Columns: []string{"client", "exchanges"}, Rows: [][]any{{"ordering", 3}}})
	wantCols := append([]string{"client", "exchanges"}, SeenColumns...)
	if !slices.Equal(got.Columns, wantCols) {
		t.Fatalf("columns: got %v, want %v", got.Columns, wantCols)
	}
	want := []any{"ordering", 3, "req-1", "POST /api/orders/o1/confirm", "ada", "ordering", "orders:write", "gateway",
		"2030-01-02T03:04:05Z", "t1", "gateway"}
	if len(got.Rows) != 1 || !slices.Equal(got.Rows[0], want) {
		t.Fatalf("rows: got %v, want [%v]", got.Rows, want)
	}

	// The next order request replaces it.
	s.Observe(request(http.MethodPost, "/internal/reservations", "req-4"),
		&Claims{Subject: "ada", Audience: []string{"warehouse", "billing"}, JTI: "t3"})
	row := s.Table(app.Table{}).Rows[0]
	if row[0] != "req-4" || row[3] != "warehouse billing" || row[7] != "t3" || row[5] != "" || row[6] != "" {
		t.Errorf("after another request: got %v, want req-4's token without act or exp", row)
	}
}

func TestSeen_table(t *testing.T) {
	t.Run("nothing seen and no state of its own: no row", func(t *testing.T) {
		var s Seen
		got := s.Table(app.Table{})
		if !slices.Equal(got.Columns, SeenColumns) || got.Rows == nil || len(got.Rows) != 0 {
			t.Errorf("got %+v, want the token columns and no rows", got)
		}
	})
	t.Run("nothing seen: the pattern's row with empty token cells", func(t *testing.T) {
		var s Seen
		got := s.Table(app.Table{Columns: []string{"client", "tokensFetched"}, Rows: [][]any{{"billing", 1}}})
		if len(got.Rows) != 1 || len(got.Rows[0]) != 2+len(SeenColumns) || got.Rows[0][1] != 1 || got.Rows[0][2] != nil {
			t.Errorf("got %+v, want one row: the pattern's cells, then nils", got.Rows)
		}
	})
	t.Run("more rows of its own: the token on the first", func(t *testing.T) {
		var s Seen
		s.Observe(request(http.MethodPost, "/api/orders", "r"), &Claims{Subject: "admin"})
		got := s.Table(app.Table{Columns: []string{"callee"}, Rows: [][]any{{"a"}, {"b"}}})
		if len(got.Rows) != 2 || got.Rows[0][3] != "admin" || got.Rows[1][0] != "b" || got.Rows[1][3] != nil ||
			len(got.Rows[1]) != len(got.Columns) {
			t.Errorf("got %+v", got.Rows)
		}
	})
	t.Run("a nil recorder records nothing", func(t *testing.T) {
		var s *Seen
		s.Observe(request(http.MethodPost, "/api/orders", "r"), &Claims{Subject: "ada"}) // must not panic
	})
}

func TestActors(t *testing.T) {
	cases := []struct {
		act  map[string]any
		want string
	}{
		{nil, ""},
		{map[string]any{"sub": "gateway"}, "gateway"},
		{map[string]any{"sub": "billing", "act": map[string]any{"sub": "ordering", "act": map[string]any{"sub": "gateway"}}},
			"gateway → ordering → billing"},
		{map[string]any{"act": map[string]any{"sub": "gateway"}}, "gateway → ?"},
	}
	for _, tc := range cases {
		if got := actors(tc.act); got != tc.want {
			t.Errorf("actors(%v) = %q, want %q", tc.act, got, tc.want)
		}
	}
}
