package config

import (
	"strings"
	"testing"
	"time"
)

func envOf(kv map[string]string) Getenv { return func(k string) string { return kv[k] } }

func TestLoadReliability_defaults(t *testing.T) {
	none := envOf(nil)
	if b, err := LoadBreaker(none); err != nil || b != (Breaker{Failures: 5, Cooldown: 5 * time.Second, Trials: 1}) {
		t.Errorf("breaker: got %+v, %v", b, err)
	}
	if r, err := LoadRetry(none); err != nil || r.Attempts != 3 || r.BaseDelay != 50*time.Millisecond || r.Budget != 3*time.Second {
		t.Errorf("retry: got %+v, %v", r, err)
	}
	if tm, err := LoadTimeouts(none); err != nil || tm != (Timeouts{Call: 2 * time.Second, Request: 4 * time.Second}) {
		t.Errorf("timeouts: got %+v, %v", tm, err)
	}
	if b, err := LoadBulkhead(none); err != nil || b["warehouse"] != 16 || b["shipping"] != 8 || len(b) != 4 {
		t.Errorf("bulkhead: got %v, %v", b, err)
	}
	if l, err := LoadRateLimit(none); err != nil || l.Rate != 100 || l.Burst != 600 {
		t.Errorf("rate limit: got %+v, %v", l, err)
	}
	if f := LoadFaults("warehouse", envOf(map[string]string{"WAREHOUSE_FAULTS": ` {"errorRate":1} `})); f != `{"errorRate":1}` {
		t.Errorf("faults: got %q", f)
	}
}

func TestLoadReliability_refusesBadValues(t *testing.T) {
	for key, load := range map[string]func(Getenv) error{
		"BREAKER_FAILURES":  func(e Getenv) error { _, err := LoadBreaker(e); return err },
		"BREAKER_COOLDOWN":  func(e Getenv) error { _, err := LoadBreaker(e); return err },
		"RETRY_ATTEMPTS":    func(e Getenv) error { _, err := LoadRetry(e); return err },
		"RETRY_MAX_DELAY":   func(e Getenv) error { _, err := LoadRetry(e); return err },
		"TIMEOUT_REQUEST":   func(e Getenv) error { _, err := LoadTimeouts(e); return err },
		"BULKHEAD_SHIPPING": func(e Getenv) error { _, err := LoadBulkhead(e); return err },
		"RATE_LIMIT_RPS":    func(e Getenv) error { _, err := LoadRateLimit(e); return err },
		"RATE_LIMIT_IDLE":   func(e Getenv) error { _, err := LoadRateLimit(e); return err },
	} {
		bad := map[string]string{
			"BREAKER_FAILURES": "0", "BREAKER_COOLDOWN": "0s", "RETRY_ATTEMPTS": "none", "RETRY_MAX_DELAY": "1ms",
			"TIMEOUT_REQUEST": "0s", "BULKHEAD_SHIPPING": "-1", "RATE_LIMIT_RPS": "0", "RATE_LIMIT_IDLE": "1s",
		}[key]
		err := load(envOf(map[string]string{key: bad}))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: got %v, want an error naming it", key, bad, err)
		}
	}
}

func TestLoadRateLimit_apiKeys(t *testing.T) {
	l, err := LoadRateLimit(envOf(map[string]string{"RATE_LIMIT_API_KEYS": " alpha, ,beta ,"}))
	if err != nil || len(l.APIKeys) != 2 || l.APIKeys[0] != "alpha" || l.APIKeys[1] != "beta" {
		t.Errorf("got %q, %v; want [alpha beta]", l.APIKeys, err)
	}
	if l, err := LoadRateLimit(envOf(nil)); err != nil || len(l.APIKeys) != 0 {
		t.Errorf("no keys configured: got %q, %v", l.APIKeys, err)
	}
	long := strings.Repeat("k", MaxAPIKeyLen+1)
	if _, err := LoadRateLimit(envOf(map[string]string{"RATE_LIMIT_API_KEYS": "ok," + long})); err == nil || !strings.Contains(err.Error(), "RATE_LIMIT_API_KEYS") {
		t.Errorf("a key too long: got %v, want an error naming RATE_LIMIT_API_KEYS", err)
	}
}

func TestLookup(t *testing.T) {
	saved := Env
	t.Cleanup(func() { Env = saved })
	Env = envOf(map[string]string{"RETRY_BUDGET": "1s", "RETRY_ATTEMPTS": ""})
	got := Lookup("RETRY_BUDGET", "RETRY_ATTEMPTS", "BREAKER_FAILURES")
	if len(got) != 1 || got["RETRY_BUDGET"] != "1s" {
		t.Errorf("got %v, want only RETRY_BUDGET=1s", got)
	}
	if got := Lookup(); len(got) != 0 {
		t.Errorf("no keys: got %v", got)
	}
}

func TestURLs_Hosts(t *testing.T) {
	u := URLs{Customers: "http://127.0.0.1:8081", Ordering: "http://ordering:8082/", Warehouse: "http://127.0.0.1:8083",
		Shipping: "http://shipping.lab.svc", Billing: "not a url"}
	want := map[string]string{"127.0.0.1:8081": "customers", "ordering:8082": "ordering", "127.0.0.1:8083": "warehouse",
		"shipping.lab.svc": "shipping"}
	got := u.Hosts()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for host, name := range want {
		if got[host] != name {
			t.Errorf("%s: got %q, want %q", host, got[host], name)
		}
	}
}
