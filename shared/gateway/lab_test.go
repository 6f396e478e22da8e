package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/httpx"
)

func TestGateway_info(t *testing.T) {
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer notReady.Close()
	gw := mustGateway(t, servers{"shipping": closedURL(t), "billing": notReady.URL})

	resp, body := do(t, http.MethodGet, gw.URL+"/api/lab/info", nil)
	var got LabInfo
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d %s (%v), want 200 with the info", resp.StatusCode, body, err)
	}
	if got.Variant != "rest" || len(got.Services) != 5 {
		t.Fatalf("got %+v, want variant rest and five services", got)
	}
	want := map[string]bool{"customers": true, "warehouse": true, "shipping": false, "billing": false, "ordering": true}
	order := []string{"customers", "warehouse", "shipping", "billing", "ordering"}
	for i, s := range got.Services {
		if s.Name != order[i] {
			t.Errorf("service %d: got %s, want %s", i, s.Name, order[i])
		}
		if s.Healthy != want[s.Name] || s.URL == "" {
			t.Errorf("%s: got healthy=%v url=%q, want healthy=%v and its url", s.Name, s.Healthy, s.URL, want[s.Name])
		}
		if s.Healthy == (s.Error != "") {
			t.Errorf("%s: healthy=%v but error=%q", s.Name, s.Healthy, s.Error)
		}
	}
	if got.Services[3].Status != http.StatusServiceUnavailable {
		t.Errorf("billing status: got %d, want 503", got.Services[3].Status)
	}
}

func TestGateway_events(t *testing.T) {
	t.Run("404 problem when the variant has no broker", func(t *testing.T) {
		gw := mustGateway(t, servers{})
		resp, body := do(t, http.MethodGet, gw.URL+"/api/lab/events", nil)
		p := mustProblem(t, resp, body, http.StatusNotFound)
		if want := "variant rest has no events: it uses no message broker"; p.Detail != want {
			t.Errorf("detail: got %q, want %q", p.Detail, want)
		}
	})
	t.Run("delegates to the events handler", func(t *testing.T) {
		events := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write([]byte("data: {}\n\n"))
		})
		gw := mustGateway(t, servers{}, WithEvents(events))
		resp, body := do(t, http.MethodGet, gw.URL+"/api/lab/events", nil)
		if resp.StatusCode != http.StatusOK || body != "data: {}\n\n" {
			t.Errorf("got %d %q, want the stream", resp.StatusCode, body)
		}
	})
}

func TestGateway_faults(t *testing.T) {
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/admin/faults" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"method":"` + r.Method + `","path":"` + r.URL.Path + `"}`))
	}))
	defer admin.Close()
	none := httptest.NewServer(http.NotFoundHandler())
	defer none.Close()
	gw := mustGateway(t, servers{"warehouse": admin.URL, "ordering": admin.URL, "billing": none.URL})

	tests := []struct {
		name, method, path string
		status             int
		detail             string // of the problem; "" when the service answers
	}{
		{"reads a service's faults", http.MethodGet, "/api/lab/faults/warehouse", 200, ""},
		{"sets a service's faults", http.MethodPut, "/api/lab/faults/warehouse", 200, ""},
		{"maps a 404 to no fault injection", http.MethodGet, "/api/lab/faults/billing", 404, "variant rest has no fault injection"},
		{"refuses an unknown service", http.MethodGet, "/api/lab/faults/payments", 404, `unknown service "payments"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.method, gw.URL+tt.path, nil)
			if tt.detail == "" {
				if resp.StatusCode != tt.status || !strings.Contains(body, tt.method) || !strings.Contains(body, "/admin/") {
					t.Errorf("got %d %s, want %d from the admin path", resp.StatusCode, body, tt.status)
				}
				return
			}
			if p := mustProblem(t, resp, body, tt.status); !strings.HasPrefix(p.Detail, tt.detail) {
				t.Errorf("detail: got %q, want %q", p.Detail, tt.detail)
			}
		})
	}
}

// TestGateway_faultsRefusedAtItsPublicPath: a setting a service refuses is
// answered with the service's own problem — its status, detail and fields —
// whose instance is the path the client called, not the service's admin
// path; a problem without an instance is passed as it is.
func TestGateway_faultsRefusedAtItsPublicPath(t *testing.T) {
	in, err := faults.New("warehouse", faults.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	e := httpx.NewEngine(slog.New(slog.DiscardHandler))
	in.Install(e)
	admin := httptest.NewServer(e)
	defer admin.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", httpx.ProblemContentType)
		w.WriteHeader(http.StatusConflict)
		if strings.Contains(string(b), "own") { // a problem with a member of its own
			_, _ = w.Write([]byte(`{"status":409,"detail":"busy","instance":"/admin/faults","retryIn":3}`))
			return
		}
		_, _ = w.Write([]byte(`{"status":409,"detail":"busy"}`))
	}))
	defer other.Close()
	gw := mustGateway(t, servers{"warehouse": admin.URL, "billing": other.URL})
	resp, body := putJSON(t, gw.URL+"/api/lab/faults/warehouse", `{"errorRate":2}`)
	p := mustProblem(t, resp, body, http.StatusBadRequest)
	if p.Instance != "/api/lab/faults/warehouse" {
		t.Errorf("instance: got %q, want the path the client called", p.Instance)
	}
	if p.Detail != "the request has invalid fields" || len(p.Errors) != 1 || p.Errors[0].Field != "errorRate" ||
		p.Errors[0].Message != "must be between 0 and 1" {
		t.Errorf("got %s, want the service's detail and field", body)
	}
	if strings.Contains(body, "/admin/") || !strings.HasPrefix(body, `{"type":"/problems/invalid-request","title":`) {
		t.Errorf("got %s, want the problem in its members' order, without the service's admin path", body)
	}
	if n, _ := strconv.Atoi(resp.Header.Get("Content-Length")); n != len(body) {
		t.Errorf("Content-Length %q for a body of %d bytes", resp.Header.Get("Content-Length"), len(body))
	}
	if s := in.Status(); s.Settings != (faults.Settings{}) {
		t.Errorf("a refused setting changed the faults: %+v", s.Settings)
	}

	resp, body = putJSON(t, gw.URL+"/api/lab/faults/billing", `{}`)
	if p := mustProblem(t, resp, body, http.StatusConflict); p.Detail != "busy" || p.Instance != "" {
		t.Errorf("a problem without an instance: got %s, want it as the service wrote it", body)
	}
	resp, body = putJSON(t, gw.URL+"/api/lab/faults/billing", `{"own":1}`)
	if p := mustProblem(t, resp, body, http.StatusConflict); p.Instance != "/api/lab/faults/billing" || !strings.Contains(body, `"retryIn":3`) {
		t.Errorf("a problem with a member of its own: got %s, want its instance the client's path and its member kept", body)
	}
}

// TestGateway_patterns: /api/lab/patterns gathers each service's
// /admin/patterns and the gateway's own state into one answer per pattern, in
// the display order, names a service that did not answer, and answers no
// patterns for a variant without any; /api/lab/info says what the variant has.
func TestGateway_patterns(t *testing.T) {
	ordering := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"patterns":[{"pattern":"breaker","columns":["callee","state"],"rows":[["warehouse","open"]]}]}`))
	}))
	defer ordering.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	local := func() ServiceStates {
		return ServiceStates{Patterns: []NamedTable{{Pattern: "breaker", Table: Table{Columns: []string{"client"}, Rows: [][]any{{"ip"}}}}}}
	}
	gw := mustGateway(t, servers{"ordering": ordering.URL, "billing": down.URL},
		WithPatterns("rest", []PatternInfo{{Name: "breaker", Category: "reliability", Description: "d"}}, local))
	want := "gateway:[[ip]] ordering:[[warehouse open]] billing:[]billing answered 503 Service Unavailable"
	if got := patternParts(t, gw.URL); got != want {
		t.Errorf("services: got %q, want %q", got, want)
	}
	var info LabInfo
	_, body := do(t, http.MethodGet, gw.URL+"/api/lab/info", nil)
	if err := json.Unmarshal([]byte(body), &info); err != nil || info.Base != "rest" || len(info.Patterns) != 1 ||
		!info.Features.Patterns || info.Features.Events || !info.Features.Faults {
		t.Errorf("info: got %+v, %v", info, err)
	}

	plain := mustGateway(t, servers{})
	_, body = do(t, http.MethodGet, plain.URL+"/api/lab/patterns", nil)
	if body != `{"variant":"rest","patterns":[]}` {
		t.Errorf("a variant without patterns: got %s", body)
	}
}

// patternParts answers the one pattern of the gateway at url's
// /api/lab/patterns as "process:rows" or "process:[]error" for each process
// that reported it, in the answer's order.
func patternParts(t *testing.T, url string) string {
	t.Helper()
	resp, body := do(t, http.MethodGet, url+"/api/lab/patterns", nil)
	var got PatternsInfo
	if err := json.Unmarshal([]byte(body), &got); resp.StatusCode != http.StatusOK || err != nil || len(got.Patterns) != 1 {
		t.Fatalf("got %d %s, want one pattern", resp.StatusCode, body)
	}
	var seen []string
	for _, st := range got.Patterns[0].Services {
		seen = append(seen, st.Service+":"+fmt.Sprint(st.Rows)+st.Error)
	}
	return strings.Join(seen, " ")
}

// TestGateway_readModel: /api/lab/read-model… reach ordering's read model on
// a base that has one, and answer a 404 problem elsewhere; /api/lab/info says
// which features of orders the base has.
func TestGateway_readModel(t *testing.T) {
	ordering := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"method":"` + r.Method + `","path":"` + r.URL.Path + `"}`))
	}))
	defer ordering.Close()
	plain := mustGateway(t, servers{"ordering": ordering.URL})
	cqrs := mustGateway(t, servers{"ordering": ordering.URL}, WithOrders(false, true))
	for _, tt := range []struct{ method, path, upstream string }{
		{http.MethodGet, "/api/lab/read-model", "/admin/read-model"},
		{http.MethodPost, "/api/lab/read-model/rebuild", "/admin/read-model/rebuild"},
	} {
		resp, body := do(t, tt.method, plain.URL+tt.path, nil)
		if p := mustProblem(t, resp, body, http.StatusNotFound); p.Detail != "variant rest has no read model" {
			t.Errorf("%s without a read model: detail %q", tt.path, p.Detail)
		}
		resp, body = do(t, tt.method, cqrs.URL+tt.path, nil)
		if want := `{"method":"` + tt.method + `","path":"` + tt.upstream + `"}`; resp.StatusCode != http.StatusOK || body != want {
			t.Errorf("%s with a read model: got %d %s, want %s", tt.path, resp.StatusCode, body, want)
		}
	}
	for _, gw := range []struct {
		url  string
		want Features
	}{{plain.URL, Features{Faults: true}}, {cqrs.URL, Features{Faults: true, ReadModel: true}}} {
		_, body := do(t, http.MethodGet, gw.url+"/api/lab/info", nil)
		var info LabInfo
		if err := json.Unmarshal([]byte(body), &info); err != nil || info.Features != gw.want {
			t.Errorf("features: got %+v (%v), want %+v", info.Features, err, gw.want)
		}
	}
}
