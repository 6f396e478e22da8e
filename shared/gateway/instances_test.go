package gateway

import (
	"encoding/json"
	"net"
	"net/http"
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
