package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// TestGateway_balancesInstances: a service with two instances gets the
// proxied calls on both; when one refuses connections the calls go to the
// other, and /api/lab/info lists both instances with their health.
func TestGateway_balancesInstances(t *testing.T) {
	a, b := upstream(t, "warehouse-a"), upstream(t, "warehouse-b")
	cfg := config.Gateway{Variant: "rest", UIDist: t.TempDir(), UpstreamTimeout: 5 * time.Second,
		Instances: map[string][]string{"warehouse": {a.URL, b.URL}}}
	gw := mustGatewayConfig(t, cfg, servers{"warehouse": a.URL})
	got := map[string]int{}
	for range 10 {
		resp, body := do(t, http.MethodGet, gw.URL+"/api/products", nil)
		var s seen
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &s) != nil {
			t.Fatalf("got %d %s", resp.StatusCode, body)
		}
		got[s.Service]++
	}
	if got["warehouse-a"] == 0 || got["warehouse-b"] == 0 {
		t.Errorf("calls by instance: got %v, want both", got)
	}

	a.Close()
	for range 6 {
		resp, body := do(t, http.MethodGet, gw.URL+"/api/products", nil)
		var s seen
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &s) != nil || s.Service != "warehouse-b" {
			t.Fatalf("with one instance down: got %d %s, want the other instance's answer", resp.StatusCode, body)
		}
	}
	resp, body := do(t, http.MethodGet, gw.URL+"/api/lab/info", nil)
	var info LabInfo
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &info) != nil {
		t.Fatalf("info: got %d %s", resp.StatusCode, body)
	}
	ins := info.Instances["warehouse"]
	if len(ins) != 2 || ins[0].URL != a.URL || ins[0].Healthy || !ins[0].Out || ins[1].URL != b.URL || !ins[1].Healthy {
		t.Errorf("warehouse's instances: got %+v, want the first down and out, the second healthy", ins)
	}
	if len(info.Instances["billing"]) != 1 || !info.Instances["billing"][0].Healthy {
		t.Errorf("billing's instances: got %+v, want its one instance, healthy", info.Instances["billing"])
	}
	for _, s := range info.Services {
		if s.Name == "warehouse" && (!s.Healthy || s.URL != b.URL) {
			t.Errorf("warehouse: got %+v, want healthy through its second instance", s)
		}
	}
	if _, err := net.Dial("tcp", a.Listener.Addr().String()); err == nil {
		t.Fatal("the closed instance still accepts connections")
	}
}

// faultsInstance is a fake instance's /admin/faults: it keeps the last body
// put, refuses one that holds "bad" (400, as a value out of range), and
// answers what it holds.
type faultsInstance struct {
	*httptest.Server
	mu   sync.Mutex
	held string
	puts int
	// gate, when set, holds a PUT until it is closed, once arrived has
	// been told of it.
	gate, arrived chan struct{}
}

func newFaultsInstance(t *testing.T, name string) *faultsInstance {
	in := &faultsInstance{held: "{}"}
	in.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/admin/faults" {
			w.WriteHeader(http.StatusOK) // /readyz
			return
		}
		if in.gate != nil && r.Method == http.MethodPut {
			in.arrived <- struct{}{}
			<-in.gate
		}
		in.mu.Lock()
		defer in.mu.Unlock()
		if r.Method == http.MethodPut {
			b, _ := io.ReadAll(r.Body)
			in.puts++
			if strings.Contains(string(b), "bad") {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"status":400,"detail":"errorRate must be between 0 and 1"}`))
				return
			}
			in.held = string(b)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"instance":"` + name + `","held":` + in.held + `}`))
	}))
	t.Cleanup(in.Close)
	return in
}

func (in *faultsInstance) state() (string, int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.held, in.puts
}

// TestGateway_faultsReachEveryInstance: a fault set through the gateway on a
// scaled-out service reaches every instance of it, and the answer is the
// first instance's; a setting the first refuses is answered with its
// problem and reaches no other; one that some instances could not take is a
// 502 problem that says how many did, without an address.
func TestGateway_faultsReachEveryInstance(t *testing.T) {
	a, b, c := newFaultsInstance(t, "a"), newFaultsInstance(t, "b"), newFaultsInstance(t, "c")
	cfg := config.Gateway{Variant: "rest", UIDist: t.TempDir(), UpstreamTimeout: 5 * time.Second,
		Instances: map[string][]string{"warehouse": {a.URL, b.URL, c.URL}}}
	gw := mustGatewayConfig(t, cfg, servers{"warehouse": a.URL})
	put := func(body string) (*http.Response, string) {
		return putJSON(t, gw.URL+"/api/lab/faults/warehouse", body)
	}
	all := []*faultsInstance{a, b, c}

	resp, body := put(`{"latencyMs":200}`)
	if resp.StatusCode != http.StatusOK || body != `{"instance":"a","held":{"latencyMs":200}}` {
		t.Fatalf("set: got %d %s, want the first instance's answer", resp.StatusCode, body)
	}
	for i, in := range all {
		if held, puts := in.state(); held != `{"latencyMs":200}` || puts != 1 {
			t.Errorf("instance %d: holds %s after %d puts, want the setting, once", i+1, held, puts)
		}
	}

	resp, body = put(`{"errorRate":"bad"}`)
	if p := mustProblem(t, resp, body, http.StatusBadRequest); !strings.Contains(p.Detail, "errorRate") {
		t.Errorf("refused: got %q, want the instance's detail", p.Detail)
	}
	for i, in := range all[1:] {
		if held, puts := in.state(); held != `{"latencyMs":200}` || puts != 1 {
			t.Errorf("after a refused setting, instance %d holds %s after %d puts, want it untouched", i+2, held, puts)
		}
	}

	// A GET reads one instance, as any call, and sets nothing.
	puts := func() (n int) {
		for _, in := range all {
			_, p := in.state()
			n += p
		}
		return n
	}
	before := puts()
	resp, body = do(t, http.MethodGet, gw.URL+"/api/lab/faults/warehouse", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"held":{"latencyMs":200}`) {
		t.Errorf("get: got %d %s", resp.StatusCode, body)
	}
	if after := puts(); after != before {
		t.Errorf("a GET was taken for a setting: %d puts before it, %d after", before, after)
	}

	b.Close()
	resp, body = put(`{"latencyMs":50}`)
	p := mustProblem(t, resp, body, http.StatusBadGateway)
	if p.Detail != "2 of the 3 instances of warehouse took it, the others did not: send it again" {
		t.Errorf("one instance down: got %q", p.Detail)
	}
	for _, in := range []*faultsInstance{a, c} {
		if held, _ := in.state(); held != `{"latencyMs":50}` {
			t.Errorf("an instance that answers holds %s, want the new setting", held)
		}
	}
	if strings.Contains(body, "127.0.0.1") {
		t.Errorf("the problem shows an address: %s", body)
	}
}

// TestGateway_faultsReachEveryInstanceWhenTheClientGivesUp: a client that
// gives up while its setting is on its way leaves no instance behind the
// others: the round, once begun, reaches them all.
func TestGateway_faultsReachEveryInstanceWhenTheClientGivesUp(t *testing.T) {
	a, b := newFaultsInstance(t, "a"), newFaultsInstance(t, "b")
	a.gate, a.arrived = make(chan struct{}), make(chan struct{}, 1)
	cfg := config.Gateway{Variant: "rest", UIDist: t.TempDir(), UpstreamTimeout: 5 * time.Second,
		Instances: map[string][]string{"warehouse": {a.URL, b.URL}}}
	gw := mustGatewayConfig(t, cfg, servers{"warehouse": a.URL})

	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, gw.URL+"/api/lab/faults/warehouse", strings.NewReader(`{"latencyMs":300}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	giveUp(t, req, cancel, a.arrived) // given up once the first instance has the setting in hand
	close(a.gate)
	deadline := time.Now().Add(5 * time.Second)
	for {
		ha, _ := a.state()
		hb, _ := b.state()
		if ha == `{"latencyMs":300}` && hb == ha {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the client gave up: the instances hold %s and %s, want the setting at both", ha, hb)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGateway_patternsOfEveryInstance: /api/lab/patterns gathers the state of
// every instance of a scaled-out service, each named as its instance, and
// names the instance that did not answer.
func TestGateway_patternsOfEveryInstance(t *testing.T) {
	breaker := func(state string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"patterns":[{"pattern":"breaker","columns":["callee","state"],"rows":[["warehouse","` + state + `"]]}]}`))
		}))
		t.Cleanup(s.Close)
		return s
	}
	a, b, c := breaker("open"), breaker("closed"), breaker("half-open")
	c.Close()
	cfg := config.Gateway{Variant: "rest", UIDist: t.TempDir(), UpstreamTimeout: 5 * time.Second,
		Instances: map[string][]string{"ordering": {a.URL, b.URL, c.URL}}}
	none := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"patterns":[]}`)) }))
	t.Cleanup(none.Close)
	up := servers{"ordering": a.URL}
	for _, name := range config.Services {
		if name != "ordering" {
			up[name] = none.URL
		}
	}
	gw := mustGatewayConfig(t, cfg, up, WithPatterns("rest", []PatternInfo{{Name: "breaker", Category: "reliability"}}, nil))
	want := "ordering:[[warehouse open]] ordering-2:[[warehouse closed]] ordering-3:[]ordering-3 did not answer"
	if got := patternParts(t, gw.URL); got != want {
		t.Errorf("services: got %q, want %q", got, want)
	}
}
