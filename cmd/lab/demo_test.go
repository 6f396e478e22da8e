package main

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// eachReliabilityDemo calls fn with the repository's root and, for every
// reliability pattern, its name and its demo (or why it has none).
func eachReliabilityDemo(t *testing.T, fn func(root, name string, s scenario, err error)) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := findRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range app.Patterns() {
		if p.Category != "reliability" {
			continue
		}
		v, err := lookup(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := scenarioOf(root, v)
		fn(root, p.Name, s, err)
	}
	return root
}

func TestScenarios_coverTheReliabilityPatterns(t *testing.T) {
	root := eachReliabilityDemo(t, func(_, name string, _ scenario, err error) {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	})
	if s, err := scenarioOf(root, app.MustCompose(app.Bases()[0])); err == nil {
		t.Errorf("a base alone has a demo of its own (%+v), want none", s)
	}
	bad := filepath.Join(t.TempDir(), "demo.json")
	mustWrite(t, bad, `{"about":"x","faults":{"warehouse":{"errorRate":2}},"load":{"orders":1,"concurrency":1,"limit":"1s"},"downstream":"warehouse"}`)
	if _, err := readScenario(bad); err == nil || !strings.Contains(err.Error(), "faults of warehouse") {
		t.Errorf("a demo with an error rate of 2: got %v, want it refused", err)
	}
}

// TestScenarios_READMEsShowTheDemosAsTheyRun: each reliability README's
// "Measured" block begins with the heading its demo prints today — the
// variant's name, the faults, the settings, the load — so that a change to
// a demo (or to how the runner names a variant) cannot leave its README
// showing another run.
func TestScenarios_READMEsShowTheDemosAsTheyRun(t *testing.T) {
	eachReliabilityDemo(t, func(root, name string, s scenario, err error) {
		if err != nil {
			t.Fatal(err)
		}
		for k := range s.env {
			t.Setenv(k, "") // the heading names the caller's settings too; this test has none
		}
		readme, err := os.ReadFile(filepath.Join(root, "reliability-patterns", name, "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := "$ go run ./cmd/lab demo " + name + "     # the build lines left out\n"
		_, block, ok := strings.Cut(string(readme), cmd)
		if !ok {
			t.Errorf("%s: README has no block that begins %q", name, cmd)
			return
		}
		if want := s.describe(); !strings.HasPrefix(block, want) {
			t.Errorf("%s: README's demo block begins\n%s\nwant the demo's heading\n%s", name, block[:min(len(block), len(want))], want)
		}
	})
}

func TestDemoEnv_callerWins(t *testing.T) {
	t.Setenv("BREAKER_FAILURES", "9")
	got := demoEnv(map[string]string{"BREAKER_FAILURES": "5", "BREAKER_COOLDOWN": "2s"})
	if len(got) != 1 || got[0] != "BREAKER_COOLDOWN=2s" {
		t.Errorf("got %q, want only the setting the caller left alone", got)
	}
}

// TestDemo_readsNoEnvironment checks the rule that config is the one package
// that reads the environment: the demo's files ask config (config.Lookup) and
// never call config.Env, os.Getenv, os.LookupEnv or os.Environ themselves.
func TestDemo_readsNoEnvironment(t *testing.T) {
	files, err := filepath.Glob("demo*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("demo files: %v, %v", files, err)
	}
	banned := map[string]bool{"config.Env": true, "os.Getenv": true, "os.LookupEnv": true, "os.Environ": true}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && banned[pkg.Name+"."+sel.Sel.Name] {
					t.Errorf("%s: %s reads the environment; ask config instead", fset.Position(call.Pos()), pkg.Name+"."+sel.Sel.Name)
				}
			}
			return true
		})
	}
}

func TestWrap(t *testing.T) {
	got := wrap("one two three four five", 12, "  ")
	if want := "  one two\n  three four\n  five"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRecorder_stats(t *testing.T) {
	var r recorder
	for _, o := range []outcome{
		{ok: true, took: 30 * time.Millisecond},
		{ok: false, took: 2 * time.Millisecond},
		{ok: false, took: 300 * time.Millisecond},
		{ok: true, took: 10 * time.Millisecond},
		{ok: true, took: 20 * time.Millisecond},
	} {
		r.add(stepAdd, o)
	}
	s := r.stats(stepAdd)
	want := stats{ok: 3, failed: 2, fast: 1, p50: 20 * time.Millisecond, p99: 300 * time.Millisecond}
	if s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
	if s := r.stats(stepConfirm); s != (stats{}) {
		t.Errorf("a step never taken: got %+v, want zeros", s)
	}
}

func TestLoad_startOf(t *testing.T) {
	begin := time.Unix(0, 0)
	paced := load{rate: 4}
	if got := paced.startOf(begin, 5).Sub(begin); got != time.Second {
		t.Errorf("fifth order at 4 per second: due after %s, want 1s", got)
	}
	if got := (load{}).startOf(begin, 99); !got.Equal(begin) {
		t.Errorf("an unpaced order: due at %s, want at once", got)
	}
}

// fakeGateway answers the load's requests: orders are created, items added and
// confirmed, and every third add fails with 503.
func fakeGateway(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var adds atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/orders":
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"orderId":"` + domain.NewID() + `"}`))
		case strings.HasSuffix(r.URL.Path, "/items"):
			if adds.Add(1)%3 == 0 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusCreated)
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &adds
}

func TestClient_drive(t *testing.T) {
	srv, adds := fakeGateway(t)
	c := &client{base: srv.URL, http: srv.Client(), rec: &recorder{}}
	c.drive(context.Background(), load{orders: 30, concurrency: 4, confirm: true, limit: time.Minute})
	create, add, confirm := c.rec.stats(stepCreate), c.rec.stats(stepAdd), c.rec.stats(stepConfirm)
	if create.ok != 30 || add.ok != 20 || add.failed != 10 || confirm.ok != 20 || adds.Load() != 30 {
		t.Errorf("got %d created, %d+%d added, %d confirmed; want 30, 20+10, 20", create.ok, add.ok, add.failed, confirm.ok)
	}
}

func TestClient_checkInvariants(t *testing.T) {
	order := domain.Order{OrderID: domain.NewID(), Status: domain.OrderCompleted, Total: 100}
	lists := map[string]any{
		"/api/products":     []domain.Product{{ProductID: warehouse.Seed[0].ProductID, Code: "KB-01", Stock: warehouse.Seed[0].Stock - 2}},
		"/api/reservations": []domain.Reservation{{ProductID: warehouse.Seed[0].ProductID, Quantity: 1, Status: domain.ReservationConfirmed}},
		"/api/orders":       []domain.Order{order},
		"/api/shipments":    []domain.Shipment{{OrderID: order.OrderID}},
		"/api/invoices":     []domain.Invoice{{OrderID: order.OrderID, Amount: 100}, {OrderID: order.OrderID, Amount: 100}},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != checkKey {
			t.Errorf("%s without the checks' API key", r.URL.Path)
		}
		_ = json.NewEncoder(w).Encode(lists[r.URL.Path])
	}))
	defer srv.Close()
	c := &client{base: srv.URL, http: srv.Client()}
	problems, err := c.checkInvariants(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(problems, "\n")
	for _, want := range []string{"stock of KB-01", "2 invoices", "lacks its one shipment or its one invoice"} {
		if !strings.Contains(text, want) {
			t.Errorf("problems %q do not mention %q", text, want)
		}
	}
	// Every seed product but the first has no stock at all in the fake: each is reported.
	if len(problems) < len(warehouse.Seed) {
		t.Errorf("got %d problems, want at least one per seed product", len(problems))
	}
}

func TestReport(t *testing.T) {
	runs := []demoRun{{variant: "rest", rec: &recorder{}}, {variant: "retry", rec: &recorder{}}}
	runs[0].rec.add(stepCreate, outcome{ok: true, took: time.Millisecond})
	runs[0].rec.add(stepAdd, outcome{ok: false, took: 200 * time.Millisecond})
	runs[1].rec.add(stepCreate, outcome{ok: true, took: time.Millisecond})
	runs[1].rec.add(stepAdd, outcome{ok: true, took: 20 * time.Millisecond})
	var out bytes.Buffer
	if err := report(&out, scenario{downstream: "warehouse"}, runs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"add item: ok", "200 ms", "requests that reached warehouse", "invariants hold",
		"(create order: every request ok in every run, so not shown)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	runs[1].problems = []string{"stock of KB-01 is not conserved"}
	if err := report(&bytes.Buffer{}, scenario{downstream: "warehouse"}, runs); err == nil || !strings.Contains(err.Error(), "retry: stock") {
		t.Errorf("report with a broken invariant: got %v, want an error naming it", err)
	}
}

// TestClientGet_followsPages: a list is read whole, page after page, as the
// gateway's Link rel="next" leads (the invariant checks once saw the first
// page of the reservations only, and counted held stock as lost).
func TestClientGet_followsPages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			if r.URL.Query().Get("limit") != "500" {
				t.Errorf("first page asked with %q", r.URL.RawQuery)
			}
			w.Header().Set("Link", `</api/reservations?limit=500&after=r2>; rel="next"`)
			_, _ = io.WriteString(w, `[{"reservationId":"r1","quantity":1},{"reservationId":"r2","quantity":2}]`)
			return
		}
		_, _ = io.WriteString(w, `[{"reservationId":"r3","quantity":3}]`)
	}))
	defer srv.Close()
	c := &client{base: srv.URL, http: srv.Client()}
	var rs []domain.Reservation
	if err := c.get(t.Context(), "/api/reservations", &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[2].Quantity != 3 {
		t.Errorf("got %+v, want the three reservations of both pages", rs)
	}
}
