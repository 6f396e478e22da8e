package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVariant_Status(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "communication-patterns", "rest", "main.go"), "package main\n")
	mustWrite(t, filepath.Join(root, "reliability-patterns", "retry", "README.md"), "# retry\n")
	tests := []struct{ name, want string }{
		{"rest", "ready"},
		{"retry", "planned"},
		{"tracing", "planned"},
	}
	for _, tt := range tests {
		v, err := lookup(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Status(root); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
	if _, err := ready(root, "retry"); err == nil || !strings.Contains(err.Error(), "planned") {
		t.Errorf("ready(retry): got %v, want planned", err)
	}
	if _, err := lookup("grpc"); err == nil || !strings.Contains(err.Error(), "lab list") {
		t.Errorf("lookup(grpc): got %v, want unknown", err)
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range catalogue {
		if seen[v.Name] || filepath.Base(v.Folder) != v.Name || v.Description == "" {
			t.Errorf("%+v: want a unique name that is its folder's, and a description", v)
		}
		seen[v.Name] = true
	}
	if len(catalogue) != 14 {
		t.Errorf("got %d variants, want 14", len(catalogue))
	}
	var out bytes.Buffer
	list(&out, t.TempDir())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(catalogue) || !strings.HasPrefix(lines[1], "event-notification") ||
		!strings.Contains(lines[1], "planned") || !strings.Contains(lines[1], "RabbitMQ") {
		t.Errorf("list:\n%s", out.String())
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
