package gateway

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

func TestGateway_uiNotBuilt(t *testing.T) {
	cfg := config.Gateway{Variant: "rest", UIDist: filepath.Join(t.TempDir(), "dist"), UpstreamTimeout: time.Second}
	gw := mustGatewayConfig(t, cfg, servers{})

	resp, body := do(t, http.MethodGet, gw.URL+"/", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("got %d %s, want 200 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"rest", "make ui", "curl -s " + gw.URL + "/api/lab/info"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	resp, body = do(t, http.MethodGet, gw.URL+"/favicon.ico", nil)
	mustProblem(t, resp, body, http.StatusNotFound)
}

func TestGateway_uiDist(t *testing.T) {
	dist := t.TempDir()
	mustWrite(t, filepath.Join(dist, "index.html"), "<!doctype html><title>lab</title>")
	mustWrite(t, filepath.Join(dist, "assets", "index-abc123.js"), "console.log(1)")
	mustWrite(t, filepath.Join(dist, "assets", "index-abc123.css"), "body{}")
	cfg := config.Gateway{Variant: "rest", UIDist: dist, UpstreamTimeout: time.Second}
	gw := mustGatewayConfig(t, cfg, servers{})

	tests := []struct {
		path, contentType, body string
		status                  int
	}{
		{"/", "text/html", "<title>lab</title>", 200},
		{"/index.html", "text/html", "<title>lab</title>", 200},
		{"/assets/index-abc123.js", "text/javascript", "console.log(1)", 200},
		{"/assets/index-abc123.css", "text/css", "body{}", 200},
		{"/orders/6f1c2a8e-0000-4000-8000-000000000001", "text/html", "<title>lab</title>", 200},
		{"/assets/missing.js", "application/problem+json", "", 404},
		{"/api/unknown", "application/problem+json", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := do(t, http.MethodGet, gw.URL+tt.path, nil)
			if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.contentType)
			}
			if !strings.Contains(body, tt.body) {
				t.Errorf("body: got %q, want it to hold %q", body, tt.body)
			}
		})
	}
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
