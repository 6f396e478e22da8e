package clients_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/clients"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

const customerID = "11111111-1111-4111-8111-000000000001"

// server starts a test server that answers every request with h and is closed when the test ends.
func server(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// request is what a recording server saw of one request.
type request struct {
	method, path string
	header       http.Header
	body         []byte
}

// recording starts a test server that answers every request 200 with answer as
// JSON and hands what it saw to the channel it returns.
func recording(t *testing.T, answer any) (*httptest.Server, <-chan request) {
	t.Helper()
	seen := make(chan request, 1)
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen <- request{method: r.Method, path: r.URL.EscapedPath(), header: r.Header.Clone(), body: body}
		_ = json.NewEncoder(w).Encode(answer)
	})
	return srv, seen
}

func writeProblem(w http.ResponseWriter, p httpx.Problem) {
	w.Header().Set("Content-Type", httpx.ProblemContentType)
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func asDomainError(t *testing.T, err error) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a *domain.Error", err)
	}
	return de
}

func TestCustomers_Customer(t *testing.T) {
	t.Run("decodes a 2xx JSON answer", func(t *testing.T) {
		want := domain.Customer{CustomerID: customerID, Name: "Ada Lovelace", Email: "ada@example.com", Address: "London",
			CreatedAt: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
		srv, seen := recording(t, want)
		got, err := clients.NewCustomers(srv.URL+"/", srv.Client()).Customer(context.Background(), customerID)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
		r := <-seen
		if want := "/api/customers/" + customerID; r.path != want {
			t.Errorf("path: got %q, want %q", r.path, want)
		}
		if got := r.header.Get("Accept"); got != "application/json" {
			t.Errorf("accept: got %q, want application/json", got)
		}
	})

	problems := []struct {
		name   string
		status int
		fields []domain.FieldError
		want   domain.Code
	}{
		{"turns a 404 problem into not found", http.StatusNotFound, nil, domain.CodeNotFound},
		{"turns a 409 problem into a conflict", http.StatusConflict, nil, domain.CodeConflict},
		{"turns a 400 problem into invalid, keeping its field errors", http.StatusBadRequest,
			[]domain.FieldError{{Field: "orderId", Message: "must be a UUID"}}, domain.CodeInvalid},
		{"turns a 503 problem into unavailable", http.StatusServiceUnavailable, nil, domain.CodeUnavailable},
		{"turns a 504 problem into a timeout", http.StatusGatewayTimeout, nil, domain.CodeTimeout},
	}
	for _, tc := range problems {
		t.Run(tc.name, func(t *testing.T) {
			detail := "the detail of a " + http.StatusText(tc.status)
			srv := server(t, func(w http.ResponseWriter, _ *http.Request) {
				p := httpx.NewProblem(tc.status, detail)
				p.Errors = tc.fields
				writeProblem(w, p)
			})
			_, err := clients.NewCustomers(srv.URL, srv.Client()).Customer(context.Background(), customerID)
			de := asDomainError(t, err)
			if de.Code != tc.want {
				t.Errorf("code: got %q, want %q", de.Code, tc.want)
			}
			if !strings.Contains(de.Message, detail) {
				t.Errorf("message: got %q, want it to hold %q", de.Message, detail)
			}
			if !slices.Equal(de.Fields, tc.fields) {
				t.Errorf("fields: got %+v, want %+v", de.Fields, tc.fields)
			}
		})
	}

	statuses := []struct {
		name   string
		status int
		body   string
		want   domain.Code
	}{
		{"turns a 500 into bad gateway", http.StatusInternalServerError, `{"status":500,"detail":"boom"}`, domain.CodeBadGateway},
		{"turns a 500 without a body into bad gateway", http.StatusInternalServerError, "", domain.CodeBadGateway},
		{"turns a 418 into bad gateway", http.StatusTeapot, "", domain.CodeBadGateway},
		{"turns a 404 without a problem into not found", http.StatusNotFound, "404 page not found", domain.CodeNotFound},
	}
	for _, tc := range statuses {
		t.Run(tc.name, func(t *testing.T) {
			srv := server(t, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := clients.NewCustomers(srv.URL, srv.Client()).Customer(context.Background(), customerID)
			de := asDomainError(t, err)
			if de.Code != tc.want {
				t.Errorf("code: got %q, want %q", de.Code, tc.want)
			}
			if de.Message == "" {
				t.Error("message: got empty, want one")
			}
		})
	}

	t.Run("turns a 2xx body that is not JSON into bad gateway", func(t *testing.T) {
		srv := server(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>maintenance</html>"))
		})
		_, err := clients.NewCustomers(srv.URL, srv.Client()).Customer(context.Background(), customerID)
		if got := asDomainError(t, err).Code; got != domain.CodeBadGateway {
			t.Errorf("code: got %q, want %q", got, domain.CodeBadGateway)
		}
	})
	t.Run("turns a closed port into unavailable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		_, err = clients.NewCustomers("http://"+addr, &http.Client{}).Customer(context.Background(), customerID)
		if got := asDomainError(t, err).Code; got != domain.CodeUnavailable {
			t.Errorf("code: got %q (%v), want %q", got, err, domain.CodeUnavailable)
		}
	})
	t.Run("turns a passed deadline into a timeout", func(t *testing.T) {
		srv := server(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := clients.NewCustomers(srv.URL, srv.Client()).Customer(ctx, customerID)
		if got := asDomainError(t, err).Code; got != domain.CodeTimeout {
			t.Errorf("code: got %q (%v), want %q", got, err, domain.CodeTimeout)
		}
	})
	t.Run("turns the HTTP client's own timeout into a timeout", func(t *testing.T) {
		srv := server(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		_, err := clients.NewCustomers(srv.URL, &http.Client{Timeout: 20 * time.Millisecond}).Customer(context.Background(), customerID)
		if got := asDomainError(t, err).Code; got != domain.CodeTimeout {
			t.Errorf("code: got %q (%v), want %q", got, err, domain.CodeTimeout)
		}
	})
	t.Run("turns a cancelled call into unavailable", func(t *testing.T) {
		srv := server(t, func(http.ResponseWriter, *http.Request) {})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := clients.NewCustomers(srv.URL, srv.Client()).Customer(ctx, customerID)
		if got := asDomainError(t, err).Code; got != domain.CodeUnavailable {
			t.Errorf("code: got %q (%v), want %q", got, err, domain.CodeUnavailable)
		}
	})
	t.Run("sends the request id of the context", func(t *testing.T) {
		srv, seen := recording(t, struct{}{})
		ctx := httpx.WithRequestID(context.Background(), "req-42")
		if _, err := clients.NewCustomers(srv.URL, srv.Client()).Customer(ctx, customerID); err != nil {
			t.Fatal(err)
		}
		if got := (<-seen).header.Get(httpx.RequestIDHeader); got != "req-42" {
			t.Errorf("%s: got %q, want %q", httpx.RequestIDHeader, got, "req-42")
		}
	})
	t.Run("escapes the id in the path", func(t *testing.T) {
		srv, seen := recording(t, struct{}{})
		if _, err := clients.NewCustomers(srv.URL, srv.Client()).Customer(context.Background(), "a/b"); err != nil {
			t.Fatal(err)
		}
		if got, want := (<-seen).path, "/api/customers/a%2Fb"; got != want {
			t.Errorf("path: got %q, want %q", got, want)
		}
	})
}

// refusing is a decorating transport (a breaker, a bulkhead …) that refuses every call with err.
type refusing struct{ err error }

func (r refusing) RoundTrip(*http.Request) (*http.Response, error) { return nil, r.err }

func TestClient_decoratedTransport(t *testing.T) {
	t.Run("passes a *domain.Error of the transport through unchanged", func(t *testing.T) {
		want := &domain.Error{Code: domain.CodeUnavailable, Message: "the breaker is open", RetryAfter: 3 * time.Second}
		hc := &http.Client{Transport: refusing{err: want}}
		_, err := clients.NewWarehouse("http://warehouse.invalid", hc).Product(context.Background(), domain.NewID())
		if got := asDomainError(t, err); got != want {
			t.Errorf("got %#v, want the transport's own %#v", got, want)
		}
		if got := domain.RetryAfterOf(err); got != 3*time.Second {
			t.Errorf("retry after: got %v, want 3s", got)
		}
	})
	t.Run("turns any other transport error into unavailable", func(t *testing.T) {
		hc := &http.Client{Transport: refusing{err: errors.New("connection reset")}}
		_, err := clients.NewWarehouse("http://warehouse.invalid", hc).Product(context.Background(), domain.NewID())
		if got := asDomainError(t, err).Code; got != domain.CodeUnavailable {
			t.Errorf("code: got %q, want %q", got, domain.CodeUnavailable)
		}
	})
}

func TestClient_Name(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{clients.NewCustomers("http://x", nil).Name(), "customers"},
		{clients.NewWarehouse("http://x", nil).Name(), "warehouse"},
		{clients.NewOrdering("http://x", nil).Name(), "ordering"},
		{clients.NewShipping("http://x", nil).Name(), "shipping"},
		{clients.NewBilling("http://x", nil).Name(), "billing"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("name: got %q, want %q", tc.got, tc.want)
		}
	}
}
