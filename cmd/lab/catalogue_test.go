package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
)

// TestLookup: the names of CONTRACT's catalogue, composed ones included, and a
// one-line reason for those that cannot make sense.
func TestLookup(t *testing.T) {
	for name, want := range map[string]string{
		"rest":                                       "rest",
		"circuit-breaker":                            "rest+circuit-breaker",
		"rest+retry+circuit-breaker":                 "rest+retry+circuit-breaker",
		"event-notification+bulkhead":                "event-notification+bulkhead",
		"event-carried-state-transfer":               "event-carried-state-transfer",
		"event-carried-state-transfer+rate-limiting": "event-carried-state-transfer+rate-limiting",
	} {
		v, err := lookup(name)
		if err != nil || v.Name != want {
			t.Errorf("lookup(%q): got %q, %v; want %q", name, v.Name, err, want)
		}
	}
	for name, reason := range map[string]string{
		"soap":                    "make list",
		"rest+nothing":            "unknown pattern",
		"rest+event-notification": "both communication bases",
		"rest+retry+retry":        "named twice",
		"event-carried-state-transfer+circuit-breaker": "no HTTP calls",
	} {
		_, err := lookup(name)
		if err == nil || !strings.Contains(err.Error(), reason) || strings.Contains(err.Error(), "\n") {
			t.Errorf("lookup(%q): got %v, want one line saying %q", name, err, reason)
		}
	}
}

// TestCatalogue: every pattern is tested on rest, every reliability pattern on
// an asynchronous base too, and list shows the bases, the patterns and those
// combinations.
func TestCatalogue(t *testing.T) {
	tested := map[string]bool{}
	for _, name := range app.Tested() {
		if _, err := lookup(name); err != nil {
			t.Errorf("tested combination %s: %v", name, err)
		}
		tested[name] = true
	}
	for _, p := range app.Patterns() {
		if p.Description == "" || p.Category == "" {
			t.Errorf("%s: want a category and a description", p.Name)
		}
		if !tested["rest+"+p.Name] {
			t.Errorf("%s is not tested on rest", p.Name)
		}
		async := false
		for _, b := range app.Bases() {
			async = async || (b.Broker() && tested[b.Name+"+"+p.Name])
		}
		if p.Category == "reliability" && !async {
			t.Errorf("%s is tested on no asynchronous base", p.Name)
		}
	}
	var out bytes.Buffer
	list(&out)
	for _, want := range []string{"event-notification", "needs RabbitMQ", "circuit-breaker", "reliability", "rest+circuit-breaker"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCheckPorts(t *testing.T) {
	addrs := mustFreeAddrs(t)
	if err := checkPorts(names(), addrs); err != nil {
		t.Fatalf("free ports: %v", err)
	}
	ln := mustListen(t, addrs["ordering"])
	defer ln.Close()
	_, port, _ := net.SplitHostPort(addrs["ordering"])
	err := checkPorts(names(), addrs)
	if want := "port " + port + " for ordering is in use"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func mustListen(tb testing.TB, addr string) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	return ln
}

func mustWrite(tb testing.TB, name, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestConsumers: a run's teardown deletes the queue of every consumer, a
// read model's too (a cqrs run once left its ordering-view queue behind).
func TestConsumers(t *testing.T) {
	v, err := lookup("cqrs")
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Consumers(); !slices.Contains(got, "ordering-view") || !slices.Contains(got, "billing") {
		t.Errorf("cqrs's consumers: %v", got)
	}
	rest, _ := lookup("rest")
	if got := rest.Consumers(); len(got) != 5 {
		t.Errorf("rest's consumers: %v, want the five services", got)
	}
}
