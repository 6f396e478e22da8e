package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// The lean path serves a proxied path only where the engine would run
// nothing but the gateway's own steps: the routes' prefixes, gin's Any
// methods, no gzip asked for (HEAD is never compressed).
func TestLean_route(t *testing.T) {
	services, err := parseURLs(servers{"customers": "http://c", "ordering": "http://o", "warehouse": "http://w",
		"shipping": "http://s", "billing": "http://b"}.urls())
	if err != nil {
		t.Fatal(err)
	}
	h := (&gateway{services: services}).lean(nil, nil, nil)
	tests := []struct {
		method, path, encoding string
		lean                   bool
	}{
		{http.MethodGet, "/api/products", "", true},
		{http.MethodGet, "/api/products/p1", "", true},
		{http.MethodGet, "/api/products/", "", true},
		{http.MethodPost, "/api/orders/o1/items", "", true},
		{http.MethodDelete, "/api/orders/o1/items/i1", "identity", true},
		{http.MethodHead, "/api/invoices", "gzip", true},
		{http.MethodGet, "/api/products/p1", "gzip", false},
		{http.MethodGet, "/api/products/p1", "br;q=1, *;q=0.5", false},
		{http.MethodGet, "/api/productsX", "", false},
		{http.MethodGet, "/api//products", "", false},
		{http.MethodGet, "/api/lab/info", "", false},
		{http.MethodGet, "/api", "", false},
		{http.MethodGet, "/index.html", "", false},
		{"PROPFIND", "/api/products", "", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.path, nil)
		if tt.encoding != "" {
			r.Header.Set("Accept-Encoding", tt.encoding)
		}
		if got := h.route(r) != nil; got != tt.lean {
			t.Errorf("%s %s (Accept-Encoding %q): lean %v, want %v", tt.method, tt.path, tt.encoding, got, tt.lean)
		}
	}
}

// The lean path answers every request as the engine does: the same
// statuses, problems, headers, bodies and access lines, for answers and for
// each refusal. One gateway takes the lean path; the other has a middleware
// that does nothing, so gin serves everything.
func TestLean_answersAsTheEngine(t *testing.T) {
	held := make(chan struct{}, 1)
	holding := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		held <- struct{}{}
		<-r.Context().Done()
	}))
	defer holding.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	up := servers{"customers": closedURL(t), "ordering": upstream(t, "ordering").URL, "warehouse": upstream(t, "warehouse").URL,
		"shipping": holding.URL, "billing": slow.URL}
	panics := WithCalls(func(service string, next http.RoundTripper) http.RoundTripper {
		return httpx.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/panic") {
				panic("a pattern's bug")
			}
			return next.RoundTrip(r)
		})
	})
	start := func(opts ...Option) (*httptest.Server, *testenv.Buffer) {
		logs := &testenv.Buffer{}
		cfg := config.Gateway{Variant: "rest", UIDist: t.TempDir(), UpstreamTimeout: 200 * time.Millisecond,
			ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, MaxInFlight: 1, URLs: up.urls()}
		h, err := New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})), append(opts, panics)...)
		if err != nil {
			t.Fatal(err)
		}
		s := httptest.NewUnstartedServer(h)
		s.Config = httpx.NewServer(h)
		s.Start()
		t.Cleanup(s.Close)
		return s, logs
	}
	lean, leanLogs := start()
	engine, engineLogs := start(WithMiddleware(func(c *gin.Context) { c.Next() }))

	big := strings.Repeat("x", 40<<10)
	requests := []struct {
		name, method, path, body string
		header                   http.Header
	}{
		{"a product", http.MethodGet, "/api/products/p1?x=1", "", nil},
		{"a kept id", http.MethodGet, "/api/orders", "", http.Header{httpx.RequestIDHeader: {"req-42"}}},
		{"a replaced id", http.MethodGet, "/api/orders", "", http.Header{httpx.RequestIDHeader: {"not valid!"}}},
		{"a body", http.MethodPost, "/api/orders", `{"customerId":"c1"}`, http.Header{"Content-Type": {"application/json"}}},
		{"HEAD", http.MethodHead, "/api/products/p1", "", nil},
		{"a private path", http.MethodGet, "/api/orders/internal/x", "", nil},
		{"a climbing path", http.MethodGet, "/api/orders/%2e%2e/admin/faults", "", nil},
		{"no such route", http.MethodGet, "/api/ordersX", "", nil},
		{"an unknown method", "PROPFIND", "/api/orders", "", nil},
		{"headers too large", http.MethodGet, "/api/orders", "", http.Header{"X-Big": {big}}},
		// With Expect: 100-continue the client sends no body before an answer.
		{"a body too large", http.MethodPost, "/api/orders", strings.Repeat("x", int(httpx.MaxBodyBytes)+1),
			http.Header{"Content-Type": {"application/json"}, "Expect": {"100-continue"}}},
		{"a service down", http.MethodGet, "/api/customers", "", nil},
		{"a slow service", http.MethodGet, "/api/invoices", "", nil},
		{"a panic", http.MethodGet, "/api/orders/panic", "", nil},
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, ExpectContinueTimeout: 5 * time.Second}}
	defer client.CloseIdleConnections()
	send := func(base, method, path, body string, header http.Header) answer {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		for k, v := range header {
			req.Header[k] = v
		}
		a := answerOf(t, client, req)
		a.Body = strings.ReplaceAll(a.Body, strings.TrimPrefix(base, "http://"), "GATEWAY") // X-Forwarded-Host
		return a
	}
	for _, tt := range requests {
		got, want := send(lean.URL, tt.method, tt.path, tt.body, tt.header), send(engine.URL, tt.method, tt.path, tt.body, tt.header)
		if got != want {
			t.Errorf("%s: the lean path answered\n%+v\nthe engine\n%+v", tt.name, got, want)
		}
	}

	// The in-flight cap: with its one slot held, the next request is refused.
	for _, gw := range []*httptest.Server{lean, engine} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, gw.URL+"/api/shipments/held", nil)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		<-held
		busy := send(gw.URL, http.MethodGet, "/api/orders", "", nil)
		cancel()
		<-done
		if busy.Status != http.StatusServiceUnavailable || busy.RetryAfter != "1" || !strings.Contains(busy.Body, "serving 1 requests already") {
			t.Errorf("with the one slot held: %+v, want a 503 problem with Retry-After", busy)
		}
	}

	lean.Close() // a request's access line is written once its handler has returned
	engine.Close()
	if got, want := accessLines(leanLogs.String()), accessLines(engineLogs.String()); got != want || !strings.Contains(got, "status=502") {
		t.Errorf("the lean path's access lines:\n%s\nthe engine's:\n%s", got, want)
	}
	if !strings.Contains(leanLogs.String(), `level=ERROR msg="panic in handler" panic="a pattern's bug"`) {
		t.Errorf("the lean path did not log the panic:\n%s", leanLogs.String())
	}
}

// answer is what a client sees of an answer, with its request id put aside.
type answer struct {
	Status                                            int
	ContentType, RetryAfter, Connection, Length, Body string
	IDs                                               int // X-Request-Id headers
	IDKept, IDValid, IDPassedOn                       bool
}

func answerOf(t *testing.T, client *http.Client, req *http.Request) answer {
	t.Helper()
	sent := req.Header.Get(httpx.RequestIDHeader)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	id, body := resp.Header.Get(httpx.RequestIDHeader), string(raw)
	a := answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), RetryAfter: resp.Header.Get("Retry-After"),
		Connection: resp.Header.Get("Connection"), Length: resp.Header.Get("Content-Length"),
		IDs: len(resp.Header.Values(httpx.RequestIDHeader)), IDKept: id == sent, IDValid: httpx.ValidRequestID(id),
		IDPassedOn: strings.Contains(body, `"requestId":"`+id+`"`)}
	if id != "" {
		body = strings.ReplaceAll(body, id, "ID")
	}
	a.Body = body
	return a
}

// accessLines are a log's access lines without what changes from one
// request to the next (time, duration, request id), sorted: a line is
// written after its answer, so two requests' lines may come in either order.
var changing = regexp.MustCompile(`(time|duration|request_id)=\S+`)

func accessLines(log string) string {
	var out []string
	for line := range strings.SplitSeq(log, "\n") {
		if strings.Contains(line, "msg=request ") {
			out = append(out, changing.ReplaceAllString(line, "$1=…"))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}
