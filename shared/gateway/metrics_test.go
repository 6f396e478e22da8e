package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// prometheusStandIn answers /api/v1/query_range as Prometheus does and
// records every request it got.
type prometheusStandIn struct {
	*httptest.Server
	mu   sync.Mutex
	seen []*url.URL
}

func newPrometheus(t *testing.T) *prometheusStandIn {
	t.Helper()
	p := &prometheusStandIn{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.URL)
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch q := r.URL.Query().Get("query"); {
		case r.URL.Path != "/api/v1/query_range":
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"status":"error","errorType":"not_found","error":"no such path"}`))
		case q == "bad(":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}`))
		case q == "boom":
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"error","errorType":"unavailable","error":"the query engine is busy"}`))
		default:
			_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"service":"ordering"},"values":[[100,"1.5"]]}]}}`))
		}
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *prometheusStandIn) requests() []*url.URL {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*url.URL(nil), p.seen...)
}

func metricsGateway(t *testing.T, prometheus string) *httptest.Server {
	t.Helper()
	return mustGatewayConfig(t, config.Gateway{Variant: "rest+metrics", UIDist: t.TempDir(), UpstreamTimeout: 5 * time.Second,
		PrometheusURL: prometheus, TraceViewerURL: "http://127.0.0.1:8000/"}, servers{})
}

func TestGateway_metricsQueryRange(t *testing.T) {
	prom := newPrometheus(t)
	gw := metricsGateway(t, prom.URL)
	path := gw.URL + "/api/lab/metrics/query_range?"

	t.Run("forwards a range query to Prometheus's query_range only", func(t *testing.T) {
		q := url.Values{"query": {`sum by (service) (rate(http_server_request_duration_seconds_count[1m]))`},
			"start": {"100"}, "end": {"160"}, "step": {"5"}}
		resp, body := do(t, http.MethodGet, path+q.Encode(), nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"resultType":"matrix"`) {
			t.Fatalf("got %d %s, want 200 with Prometheus's matrix", resp.StatusCode, body)
		}
		seen := prom.requests()
		last := seen[len(seen)-1]
		if last.Path != "/api/v1/query_range" || last.Query().Get("query") != q.Get("query") ||
			last.Query().Get("start") != "100" || last.Query().Get("end") != "160" || last.Query().Get("step") != "5" {
			t.Errorf("Prometheus got %s, want /api/v1/query_range with the query, start, end and step", last)
		}
	})

	bad := []struct {
		name, query, field string
	}{
		{"no query", "start=1&end=2&step=1", "query"},
		{"blank query", "query=%20&start=1&end=2&step=1", "query"},
		{"query too long", "query=" + strings.Repeat("a", maxQueryLen+1) + "&start=1&end=2&step=1", "query"},
		{"start not a number", "query=up&start=yesterday&end=2&step=1", "start"},
		{"no end", "query=up&start=1&step=1", "end"},
		{"end before start", "query=up&start=100&end=50&step=1", "end"},
		{"range over a day", "query=up&start=0&end=90000&step=3600", "end"},
		{"step zero", "query=up&start=1&end=2&step=0", "step"},
		{"step too large", "query=up&start=1&end=2&step=3601", "step"},
		{"step NaN", "query=up&start=1&end=2&step=NaN", "step"},
		{"too many points", "query=up&start=0&end=3600&step=1", "step"},
		{"unknown parameter", "query=up&start=1&end=2&step=1&timeout=1h", "timeout"},
		{"a parameter twice", "query=up&query=down&start=1&end=2&step=1", "query"},
		{"refused by Prometheus", "query=bad(&start=1&end=2&step=1", "query"},
	}
	for _, tc := range bad {
		t.Run("400: "+tc.name, func(t *testing.T) {
			before := len(prom.requests())
			resp, body := do(t, http.MethodGet, path+tc.query, nil)
			p := mustProblem(t, resp, body, http.StatusBadRequest)
			found := false
			for _, e := range p.Errors {
				found = found || e.Field == tc.field
			}
			if !found {
				t.Errorf("got errors %+v, want one for %s", p.Errors, tc.field)
			}
			if tc.name != "refused by Prometheus" && len(prom.requests()) != before {
				t.Errorf("Prometheus was asked, want the gateway to refuse first")
			}
			if strings.Contains(body, "127.0.0.1") {
				t.Errorf("the problem names an internal address: %s", body)
			}
		})
	}

	t.Run("502 when Prometheus fails", func(t *testing.T) {
		resp, body := do(t, http.MethodGet, path+"query=boom&start=1&end=2&step=1", nil)
		p := mustProblem(t, resp, body, http.StatusBadGateway)
		if !strings.Contains(p.Detail, "busy") || strings.Contains(body, "127.0.0.1") {
			t.Errorf("detail %q: want Prometheus's reason and no address", p.Detail)
		}
	})

	t.Run("502 when Prometheus is not there", func(t *testing.T) {
		gone := metricsGateway(t, closedURL(t))
		resp, body := do(t, http.MethodGet, gone.URL+"/api/lab/metrics/query_range?query=up&start=1&end=2&step=1", nil)
		p := mustProblem(t, resp, body, http.StatusBadGateway)
		if p.Detail != "Prometheus did not answer" {
			t.Errorf("detail: got %q, want %q", p.Detail, "Prometheus did not answer")
		}
	})

	t.Run("404 problem when the variant has no metrics", func(t *testing.T) {
		none := mustGateway(t, servers{})
		resp, body := do(t, http.MethodGet, none.URL+"/api/lab/metrics/query_range?query=up&start=1&end=2&step=1", nil)
		p := mustProblem(t, resp, body, http.StatusNotFound)
		if want := "this variant has no metrics: no Prometheus runs beside it"; p.Detail != want {
			t.Errorf("detail: got %q, want %q", p.Detail, want)
		}
	})
}

func TestGateway_infoFeaturesAndLinks(t *testing.T) {
	t.Run("links and features when the viewers run", func(t *testing.T) {
		gw := mustGatewayConfig(t, config.Gateway{Variant: "event-sourcing", UIDist: t.TempDir(), UpstreamTimeout: 5 * time.Second,
			PrometheusURL: "http://127.0.0.1:9090", TraceViewerURL: "http://127.0.0.1:8000/"}, servers{}, WithOrders(true, false), WithLogin())
		var got LabInfo
		resp, body := do(t, http.MethodGet, gw.URL+"/api/lab/info", nil)
		if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d %s (%v)", resp.StatusCode, body, err)
		}
		if got.Links.Traces != "http://127.0.0.1:8000" || got.Links.Metrics != "http://127.0.0.1:9090" {
			t.Errorf("links: got %+v, want the viewer and Prometheus without a trailing slash", got.Links)
		}
		if !got.Features.History || !got.Features.Login || !got.Features.Metrics {
			t.Errorf("features: got %+v, want history, login and metrics", got.Features)
		}
	})
	t.Run("neither when nothing runs", func(t *testing.T) {
		gw := mustGateway(t, servers{})
		resp, body := do(t, http.MethodGet, gw.URL+"/api/lab/info", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"links":{}`) ||
			!strings.Contains(body, `"history":false`) || !strings.Contains(body, `"login":false`) || !strings.Contains(body, `"metrics":false`) {
			t.Errorf("got %d %s, want empty links and no history, login or metrics", resp.StatusCode, body)
		}
	})
}
