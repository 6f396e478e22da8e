package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// seen is what a fake upstream saw of one request.
type seen struct {
	Service   string `json:"service"`
	Path      string `json:"path"`
	Query     string `json:"query"`
	RequestID string `json:"requestId"`
	Forwarded string `json:"forwarded"`
}

// upstream starts a fake service that answers what it saw, and echoes the
// request id as the services' engine does.
func upstream(tb testing.TB, name string) *httptest.Server {
	tb.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(httpx.RequestIDHeader, r.Header.Get(httpx.RequestIDHeader))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(seen{Service: name, Path: r.URL.Path, Query: r.URL.RawQuery,
			RequestID: r.Header.Get(httpx.RequestIDHeader), Forwarded: r.Header.Get("X-Forwarded-Host")})
	}))
	tb.Cleanup(s.Close)
	return s
}

// giveUp sends req, and gives it up (cancel, of its context) once arrived
// says that the upstream has it; the request must then get no answer.
func giveUp(t *testing.T, req *http.Request, cancel context.CancelFunc, arrived <-chan struct{}) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-arrived
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the request that was given up got an answer")
	}
}

// servers maps each service to the URL it answers on.
type servers map[string]string

func (s servers) urls() config.URLs {
	return config.URLs{Customers: s["customers"], Ordering: s["ordering"], Warehouse: s["warehouse"],
		Shipping: s["shipping"], Billing: s["billing"]}
}

// mustGateway starts a gateway in front of the given upstreams; every service
// without one gets its own fake.
func mustGateway(tb testing.TB, up servers, opts ...Option) *httptest.Server {
	tb.Helper()
	return mustGatewayConfig(tb, config.Gateway{Variant: "rest", UIDist: tb.TempDir(), UpstreamTimeout: 5 * time.Second}, up, opts...)
}

func mustGatewayConfig(tb testing.TB, cfg config.Gateway, up servers, opts ...Option) *httptest.Server {
	tb.Helper()
	for _, name := range config.Services {
		if up[name] == "" {
			up[name] = upstream(tb, name).URL
		}
	}
	cfg.URLs = up.urls()
	h, err := New(cfg, slog.New(slog.DiscardHandler), opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	// The lab's server, as lab serve runs it: the gateway's read and write
	// timeouts are its server's.
	s := httptest.NewUnstartedServer(h)
	s.Config = httpx.NewServer(h)
	s.Start()
	tb.Cleanup(s.Close)
	return s
}

// do sends one request and returns the response with its body read.
func do(tb testing.TB, method, url string, header http.Header) (*http.Response, string) {
	tb.Helper()
	return send(tb, method, url, header, nil)
}

// putJSON puts body, as JSON, to url and returns the response and its body.
func putJSON(tb testing.TB, url, body string) (*http.Response, string) {
	tb.Helper()
	return send(tb, http.MethodPut, url, http.Header{"Content-Type": {"application/json"}}, strings.NewReader(body))
}

func send(tb testing.TB, method, url string, header http.Header, body io.Reader) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp, string(got)
}

// mustProblem checks that resp is a problem document with status and returns it.
func mustProblem(tb testing.TB, resp *http.Response, body string, status int) httpx.Problem {
	tb.Helper()
	if resp.StatusCode != status {
		tb.Fatalf("status: got %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != httpx.ProblemContentType {
		tb.Fatalf("content type: got %q, want %q", ct, httpx.ProblemContentType)
	}
	var p httpx.Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		tb.Fatalf("problem body %q: %v", body, err)
	}
	return p
}

// closedURL returns the URL of a port that nothing listens on.
func closedURL(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestNew_rejectsBadURL(t *testing.T) {
	_, err := New(config.Gateway{URLs: config.URLs{Customers: "127.0.0.1:8081"}}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "customers") {
		t.Fatalf("got %v, want an error naming customers", err)
	}
}

func TestGateway_routes(t *testing.T) {
	gw := mustGateway(t, servers{})
	tests := []struct{ path, service string }{
		{"/api/customers", "customers"},
		{"/api/customers/6f1c2a8e-0000-4000-8000-000000000001", "customers"},
		{"/api/products?code=P-1", "warehouse"},
		{"/api/reservations/abc", "warehouse"},
		{"/api/orders", "ordering"},
		{"/api/orders/1/items/2", "ordering"},
		{"/api/shipments?orderId=1", "shipping"},
		{"/api/invoices", "billing"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := do(t, http.MethodGet, gw.URL+tt.path, nil)
			var got seen
			if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d %s (%v), want 200 from %s", resp.StatusCode, body, err, tt.service)
			}
			path, query, _ := strings.Cut(tt.path, "?")
			if got.Service != tt.service || got.Path != path || got.Query != query {
				t.Errorf("got %s %s?%s, want %s %s?%s", got.Service, got.Path, got.Query, tt.service, path, query)
			}
			if got.Forwarded == "" {
				t.Errorf("X-Forwarded-Host was not set")
			}
		})
	}
}

func TestGateway_refusesPrivatePaths(t *testing.T) {
	gw := mustGateway(t, servers{})
	for _, path := range []string{"/internal/reservations", "/api/orders/internal/x", "/api/customers/internal/",
		"/api/orders/admin/faults", "/admin/faults", "/internal", "/api/customers/%2e%2e/%2e%2e/internal/reservations"} {
		t.Run(path, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				resp, body := do(t, method, gw.URL+path, nil)
				mustProblem(t, resp, body, http.StatusNotFound)
			}
		})
	}
}

func TestGateway_upstreamFailures(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	cfg := config.Gateway{Variant: "rest", UIDist: t.TempDir(), UpstreamTimeout: 100 * time.Millisecond}
	gw := mustGatewayConfig(t, cfg, servers{"customers": closedURL(t), "ordering": slow.URL})

	t.Run("502 when the service is down", func(t *testing.T) {
		resp, body := do(t, http.MethodGet, gw.URL+"/api/customers", nil)
		p := mustProblem(t, resp, body, http.StatusBadGateway)
		if !strings.Contains(p.Detail, "customers") {
			t.Errorf("detail %q does not name customers", p.Detail)
		}
	})
	t.Run("504 when the service is slow", func(t *testing.T) {
		start := time.Now()
		resp, body := do(t, http.MethodGet, gw.URL+"/api/orders", nil)
		p := mustProblem(t, resp, body, http.StatusGatewayTimeout)
		if !strings.Contains(p.Detail, "ordering") || time.Since(start) > time.Second {
			t.Errorf("got %q after %s, want ordering named within 1s", p.Detail, time.Since(start))
		}
	})
}

func TestGateway_requestID(t *testing.T) {
	gw := mustGateway(t, servers{})
	t.Run("forwards the client's id and answers it once", func(t *testing.T) {
		resp, body := do(t, http.MethodGet, gw.URL+"/api/orders", http.Header{httpx.RequestIDHeader: {"req-42"}})
		var got seen
		_ = json.Unmarshal([]byte(body), &got)
		if got.RequestID != "req-42" {
			t.Errorf("upstream saw %q, want req-42", got.RequestID)
		}
		if ids := resp.Header.Values(httpx.RequestIDHeader); len(ids) != 1 || ids[0] != "req-42" {
			t.Errorf("client got %q, want [req-42]", ids)
		}
	})
	t.Run("generates one when absent", func(t *testing.T) {
		resp, body := do(t, http.MethodGet, gw.URL+"/api/orders", nil)
		var got seen
		_ = json.Unmarshal([]byte(body), &got)
		if got.RequestID == "" || resp.Header.Get(httpx.RequestIDHeader) != got.RequestID {
			t.Errorf("upstream saw %q, client got %q: want the same generated id", got.RequestID, resp.Header.Get(httpx.RequestIDHeader))
		}
	})
}

func TestGateway_middleware(t *testing.T) {
	var called atomic.Bool
	gw := mustGateway(t, servers{}, WithMiddleware(func(c *gin.Context) { called.Store(true); c.Next() }))
	do(t, http.MethodGet, gw.URL+"/api/orders", nil)
	if !called.Load() {
		t.Error("the middleware was not called")
	}
}

func TestGateway_accessLogAtInfo(t *testing.T) {
	gw, logs := loggedGateway(t, time.Second, servers{"customers": upstream(t, "customers").URL, "ordering": "http://127.0.0.1:1",
		"warehouse": "http://127.0.0.1:1", "shipping": "http://127.0.0.1:1", "billing": "http://127.0.0.1:1"})
	do(t, http.MethodGet, gw.URL+"/api/customers", http.Header{httpx.RequestIDHeader: {"req-7"}})
	gw.Close() // the log line is written once the handler has returned
	if got := logs.String(); !strings.Contains(got, "level=INFO msg=request") || !strings.Contains(got, "request_id=req-7") {
		t.Errorf("no info access log line in %q", got)
	}
}

// loggedGateway serves rest's gateway in front of urls, its lines at info
// into the buffer it answers (read it after closing the server: a request's
// line is written once its handler has returned).
func loggedGateway(t *testing.T, upstreamTimeout time.Duration, urls servers) (*httptest.Server, *testenv.Buffer) {
	t.Helper()
	logs := &testenv.Buffer{}
	cfg := config.Gateway{Variant: "rest", UIDist: t.TempDir(), UpstreamTimeout: upstreamTimeout, URLs: urls.urls()}
	h, err := New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(h)
	t.Cleanup(gw.Close)
	return gw, logs
}

// A client that gives up while its request waits on an upstream: the
// upstream's request ends with it, and the access line says 499.
func TestGateway_clientGivesUp(t *testing.T) {
	arrived, ended := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
		close(ended)
	}))
	defer slow.Close()
	gw, logs := loggedGateway(t, 30*time.Second, servers{"customers": "http://127.0.0.1:1", "ordering": slow.URL,
		"warehouse": "http://127.0.0.1:1", "shipping": "http://127.0.0.1:1", "billing": "http://127.0.0.1:1"})

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, gw.URL+"/api/orders", nil)
	giveUp(t, req, cancel, arrived)
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream's request went on after its client gave up")
	}
	gw.Close() // the access line is written once the handler has returned
	if got := logs.String(); !strings.Contains(got, "status=499") {
		t.Errorf("no access line with status 499 in %q", got)
	}
}
