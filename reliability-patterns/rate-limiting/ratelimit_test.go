package ratelimiting

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/stack"
)

// fakeClock is a time that moves only when the test says so.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Unix(1_000_000, 0)} }
func engine(l *limiter) *gin.Engine {
	e := gin.New()
	e.Use(l.middleware())
	ok := func(c *gin.Context) { c.Status(http.StatusOK) }
	e.GET("/api/products", ok)
	e.GET("/api/lab/info", ok)
	e.GET("/healthz", ok)
	return e
}

// get sends GET path from the address ip, with the API key when it is not "".
func get(e http.Handler, path, ip, key string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = ip + ":40000"
	if key != "" {
		r.Header.Set(APIKeyHeader, key)
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	return w
}

var tight = settings{Rate: 1, Burst: 3, Idle: time.Minute, MaxClients: 100, APIKeys: []string{"greedy", "polite"}}

func TestLimiter_burstThen429(t *testing.T) {
	clk := newClock()
	e := engine(newLimiter(tight, clk.now))
	for i := range 3 {
		w := get(e, "/api/products", "10.0.0.1", "")
		if w.Code != http.StatusOK || w.Header().Get("RateLimit-Remaining") != []string{"2", "1", "0"}[i] {
			t.Fatalf("request %d of a burst of 3: got %d, remaining %q", i+1, w.Code, w.Header().Get("RateLimit-Remaining"))
		}
	}
	w := get(e, "/api/products", "10.0.0.1", "")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Content-Type") != httpx.ProblemContentType {
		t.Fatalf("fourth request: got %d %s, want a 429 problem", w.Code, w.Header().Get("Content-Type"))
	}
	for header, want := range map[string]string{"Retry-After": "1", "RateLimit-Limit": "3", "RateLimit-Remaining": "0",
		"RateLimit-Reset": "3", "RateLimit-Policy": "3;w=3"} {
		if got := w.Header().Get(header); got != want {
			t.Errorf("%s: got %q, want %q", header, got, want)
		}
	}
	clk.add(time.Second)
	if w := get(e, "/api/products", "10.0.0.1", ""); w.Code != http.StatusOK {
		t.Errorf("a second later: got %d, want 200 with the token that came back", w.Code)
	}
}

func TestLimiter_perClient(t *testing.T) {
	e := engine(newLimiter(tight, newClock().now))
	for range 4 {
		get(e, "/api/products", "10.0.0.1", "greedy")
	}
	if w := get(e, "/api/products", "10.0.0.1", "greedy"); w.Code != http.StatusTooManyRequests {
		t.Errorf("greedy key over its limit: got %d, want 429", w.Code)
	}
	if w := get(e, "/api/products", "10.0.0.1", "polite"); w.Code != http.StatusOK {
		t.Errorf("another key from the same address: got %d, want 200", w.Code)
	}
	if w := get(e, "/api/products", "10.0.0.1", ""); w.Code != http.StatusOK {
		t.Errorf("the address without a key: got %d, want 200", w.Code)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/products", nil)
	r.RemoteAddr = "10.0.0.1:40000"
	r.Header.Set("X-Forwarded-For", "192.0.2.7")
	for range 3 {
		e.ServeHTTP(httptest.NewRecorder(), r)
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if w.Code != http.StatusTooManyRequests {
		t.Errorf("a made-up X-Forwarded-For: got %d, want the address's own bucket (429)", w.Code)
	}
}

// TestLimiter_unknownKeysBuyNoBuckets checks that a client cannot get past its
// limit by sending a new API key with every request: a key that is not
// configured is ignored, and the request counts against its address.
func TestLimiter_unknownKeysBuyNoBuckets(t *testing.T) {
	l := newLimiter(tight, newClock().now)
	e := engine(l)
	var codes []int
	for i := range 6 {
		codes = append(codes, get(e, "/api/products", "10.0.0.9", "made-up-"+strconv.Itoa(i)).Code)
	}
	if want := []int{200, 200, 200, 429, 429, 429}; !slices.Equal(codes, want) {
		t.Errorf("six requests, each with a new key, from one address: got %v, want %v", codes, want)
	}
	if n := l.size(); n != 1 {
		t.Errorf("clients remembered: got %d, want 1 (the address)", n)
	}
	if w := get(e, "/api/products", "10.0.0.9", "greedy"); w.Code != http.StatusOK {
		t.Errorf("a configured key from the same address: got %d, want 200 from its own bucket", w.Code)
	}
}

func TestLimiter_labAndHealthAreUnlimited(t *testing.T) {
	e := engine(newLimiter(tight, newClock().now))
	for range 10 {
		for _, path := range []string{"/api/lab/info", "/healthz"} {
			if w := get(e, path, "10.0.0.1", ""); w.Code != http.StatusOK || w.Header().Get("RateLimit-Limit") != "" {
				t.Fatalf("%s: got %d with RateLimit-Limit %q, want 200 without", path, w.Code, w.Header().Get("RateLimit-Limit"))
			}
		}
	}
}

func TestLimiter_forgetsIdleClients(t *testing.T) {
	clk := newClock()
	l := newLimiter(tight, clk.now)
	e := engine(l)
	get(e, "/api/products", "10.0.0.1", "")
	get(e, "/api/products", "10.0.0.2", "")
	clk.add(2 * time.Minute)
	get(e, "/api/products", "10.0.0.3", "")
	if n := l.size(); n != 1 {
		t.Errorf("clients remembered after two went idle: got %d, want 1", n)
	}
}

func TestLimiter_boundedClients(t *testing.T) {
	clk := newClock()
	l := newLimiter(settings{Rate: 1, Burst: 3, Idle: time.Hour, MaxClients: 3}, clk.now)
	e := engine(l)
	for i := range 1000 {
		clk.add(time.Millisecond)
		get(e, "/api/products", "10.0."+strconv.Itoa(i/250)+"."+strconv.Itoa(i%250), "")
		if n := l.size(); n > 3 {
			t.Fatalf("clients remembered after %d addresses: got %d, want at most 3", i+1, n)
		}
	}
	if n, m := l.size(), len(l.clients); n != 3 || m != 3 {
		t.Errorf("clients remembered: got %d in the list and %d in the map, want 3 and 3", n, m)
	}
}

// TestLimiter_forgetsTheLeastRecent checks that, when MaxClients are
// remembered, the client seen least recently goes, not the one seen first.
func TestLimiter_forgetsTheLeastRecent(t *testing.T) {
	clk := newClock()
	l := newLimiter(settings{Rate: 1, Burst: 3, Idle: time.Hour, MaxClients: 2}, clk.now)
	e := engine(l)
	for range 3 { // A empties its bucket
		get(e, "/api/products", "10.0.0.1", "")
	}
	get(e, "/api/products", "10.0.0.2", "") // B
	get(e, "/api/products", "10.0.0.1", "") // A again (a 429), now the most recent
	get(e, "/api/products", "10.0.0.3", "") // C: B goes, A stays
	if w := get(e, "/api/products", "10.0.0.1", ""); w.Code != http.StatusTooManyRequests {
		t.Errorf("A, remembered with an empty bucket: got %d, want 429", w.Code)
	}
	if _, ok := l.clients["ip 10.0.0.2"]; ok {
		t.Error("B, the least recent, is still remembered")
	}
}

// TestRateLimit_throughTheGateway checks the limiter in the variant's gateway:
// 429 problems past the limit, with the lab's endpoints still answering.
func TestRateLimit_throughTheGateway(t *testing.T) {
	env := map[string]string{"RATE_LIMIT_RPS": "0.5", "RATE_LIMIT_BURST": "2"}
	s, _ := acceptance.Start(t, app.MustCompose(rest.Base, Pattern), acceptance.Options{Stack: stack.Options{Env: env}})
	api := s.API()
	api.Get("/api/products", nil)
	api.Get("/api/customers", nil)
	r := api.Do(http.MethodGet, "/api/products", "", false)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || r.Header.Get("RateLimit-Limit") != "2" {
		t.Errorf("third request in a burst of 2: got %d, Retry-After %q, RateLimit-Limit %q; want 429 with both",
			r.Status, r.Header.Get("Retry-After"), r.Header.Get("RateLimit-Limit"))
	}
	api.Get("/api/lab/info", nil)
	if row := s.PatternRow(Pattern.Name, "gateway", "ip 127.0.0.1"); row["limited"] != 1.0 || row["burst"] != 2.0 {
		t.Errorf("the limiter's state of the client: got %v, want 1 request limited of a burst of 2", row)
	}
}
