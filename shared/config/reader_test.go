package config

import (
	"strings"
	"testing"
	"time"
)

func envOf(kv map[string]string) Getenv { return func(k string) string { return kv[k] } }

func TestLoadFaults(t *testing.T) {
	if f := LoadFaults("warehouse", envOf(map[string]string{"WAREHOUSE_FAULTS": ` {"errorRate":1} `})); f != `{"errorRate":1}` {
		t.Errorf("faults: got %q", f)
	}
}

func TestReader(t *testing.T) {
	r := NewReader(envOf(map[string]string{"A": "250ms", "B": "0", "C": "x", "D": " 1.5 "}))
	if got := r.Duration("A", time.Second); got != 250*time.Millisecond {
		t.Errorf("duration: got %s", got)
	}
	if got := r.Number("D", 0); got != 1.5 {
		t.Errorf("number: got %g", got)
	}
	if got := r.String("UNSET", "def"); got != "def" {
		t.Errorf("string default: got %q", got)
	}
	if r.Err() != nil {
		t.Fatalf("no error yet: got %v", r.Err())
	}
	if got := r.Positive("B", 7); got != 7 || r.Err() == nil || !strings.Contains(r.Err().Error(), "B") {
		t.Errorf("positive of 0: got %d, %v; want the default and an error naming B", got, r.Err())
	}
	r.Number("C", 0)
	if !strings.Contains(r.Err().Error(), "B") {
		t.Errorf("the first error is kept: got %v", r.Err())
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
