package gateway

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
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

func TestGateway_uiPrecompressed(t *testing.T) {
	dist := t.TempDir()
	mustWrite(t, filepath.Join(dist, "index.html"), "<!doctype html><title>lab</title>")
	mustWrite(t, filepath.Join(dist, "index.html.gz"), "gzip of index")
	mustWrite(t, filepath.Join(dist, "assets", "index-abc123.js"), "console.log(1)")
	mustWrite(t, filepath.Join(dist, "assets", "index-abc123.js.br"), "brotli of js")
	mustWrite(t, filepath.Join(dist, "assets", "index-abc123.js.gz"), "gzip of js")
	mustWrite(t, filepath.Join(dist, "assets", "small-abc123.css"), "body{}")
	cfg := config.Gateway{Variant: "rest", UIDist: dist, UpstreamTimeout: time.Second}
	gw := mustGatewayConfig(t, cfg, servers{})

	tests := []struct {
		path, accept, body, encoding, contentType, cache, vary string
	}{
		{"/assets/index-abc123.js", "gzip, deflate, br, zstd", "brotli of js", "br", "text/javascript", "immutable", "Accept-Encoding"},
		{"/assets/index-abc123.js", "gzip", "gzip of js", "gzip", "text/javascript", "immutable", "Accept-Encoding"},
		{"/assets/index-abc123.js", "br;q=0, gzip;q=0.5", "gzip of js", "gzip", "text/javascript", "immutable", "Accept-Encoding"},
		{"/assets/index-abc123.js", "*", "brotli of js", "br", "text/javascript", "immutable", "Accept-Encoding"},
		{"/assets/index-abc123.js", "identity", "console.log(1)", "", "text/javascript", "public, max-age=31536000", "Accept-Encoding"},
		{"/assets/small-abc123.css", "br, gzip", "body{}", "", "text/css", "immutable", ""},
		{"/", "br, gzip", "gzip of index", "gzip", "text/html", "no-cache", "Accept-Encoding"},
		{"/orders/6f1c2a8e-0000-4000-8000-000000000001", "gzip", "gzip of index", "gzip", "text/html", "no-cache", "Accept-Encoding"},
		{"/index.html", "identity", "<!doctype html><title>lab</title>", "", "text/html", "no-cache", "Accept-Encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.accept, func(t *testing.T) {
			h := http.Header{}
			if tt.accept != "" {
				h.Set("Accept-Encoding", tt.accept)
			}
			resp, body := do(t, http.MethodGet, gw.URL+tt.path, h)
			if resp.StatusCode != 200 || body != tt.body {
				t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, body, tt.body)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tt.encoding {
				t.Errorf("Content-Encoding: got %q, want %q", got, tt.encoding)
			}
			if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, tt.contentType) {
				t.Errorf("Content-Type: got %q, want %s", got, tt.contentType)
			}
			if got := resp.Header.Get("Cache-Control"); !strings.Contains(got, tt.cache) {
				t.Errorf("Cache-Control: got %q, want it to hold %q", got, tt.cache)
			}
			if got := resp.Header.Get("Vary"); got != tt.vary {
				t.Errorf("Vary: got %q, want %q", got, tt.vary)
			}
		})
	}
}

func TestGateway_compressesJSON(t *testing.T) {
	big := `[` + strings.Repeat(`{"orderId":"6f1c2a8e-0000-4000-8000-000000000001","status":"OPEN"},`, 40) + `{}]`
	ordering := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/orders":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			_, _ = io.WriteString(w, big)
		case "/api/orders/small":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true}`)
		default:
			w.Header().Set("Content-Type", httpx.ProblemContentType)
			w.WriteHeader(http.StatusConflict)
			_, _ = io.WriteString(w, `{"type":"/problems/conflict","title":"Conflict","status":409,"detail":"`+strings.Repeat("x", 2000)+`"}`)
		}
	}))
	t.Cleanup(ordering.Close)
	gw := mustGateway(t, servers{"ordering": ordering.URL})
	gzipped := http.Header{"Accept-Encoding": {"gzip, br"}}

	resp, body := do(t, http.MethodGet, gw.URL+"/api/orders", gzipped)
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("a large JSON list: Content-Encoding %q, Vary %q; want gzip, Accept-Encoding",
			resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	if resp.Header.Get("Content-Length") == strconv.Itoa(len(big)) {
		t.Errorf("the upstream's Content-Length was kept for the compressed body")
	}
	if got := gunzip(t, body); got != big || len(body) >= len(big) {
		t.Errorf("gunzipped body differs or did not shrink (%d → %d bytes)", len(big), len(body))
	}

	resp, body = do(t, http.MethodGet, gw.URL+"/api/orders", http.Header{"Accept-Encoding": {"identity"}})
	if resp.Header.Get("Content-Encoding") != "" || body != big {
		t.Errorf("without gzip accepted: got Content-Encoding %q and %d bytes", resp.Header.Get("Content-Encoding"), len(body))
	}

	resp, body = do(t, http.MethodGet, gw.URL+"/api/orders/small", gzipped)
	if resp.Header.Get("Content-Encoding") != "" || body != `{"ok":true}` {
		t.Errorf("a small answer: got Content-Encoding %q, body %q; want it as it is", resp.Header.Get("Content-Encoding"), body)
	}

	resp, body = do(t, http.MethodGet, gw.URL+"/api/orders/conflict", gzipped)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("a large problem: Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	mustProblem(t, resp, gunzip(t, body), http.StatusConflict)
}

func TestGateway_neverCompressesTheEventStream(t *testing.T) {
	release := make(chan struct{})
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "data: "+strings.Repeat("x", 3000)+"\n\n")
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	gw := mustGateway(t, servers{}, WithEvents(stream))
	defer close(release)
	req, _ := http.NewRequest(http.MethodGet, gw.URL+"/api/lab/events", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("got Content-Encoding %q, Content-Type %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Type"))
	}
	// The first event arrives while the stream is still open: nothing holds it back.
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "data: xxx") {
		t.Fatalf("first line %q, %v", line, err)
	}
}

func TestAcceptedEncodings(t *testing.T) {
	tests := []struct {
		header   string
		br, gzip bool
	}{
		{"", false, false},
		{"gzip, deflate, br", true, true},
		{"GZIP;q=0.8", false, true},
		{"br;q=0", false, false},
		{"*;q=0.1", true, true},
		{"*, br;q=0", false, true},
	}
	for _, tt := range tests {
		got := acceptedEncodings(tt.header)
		if got["br"] != tt.br || got["gzip"] != tt.gzip {
			t.Errorf("%q: br %v gzip %v, want %v %v", tt.header, got["br"], got["gzip"], tt.br, tt.gzip)
		}
	}
}

func gunzip(tb testing.TB, body string) string {
	tb.Helper()
	r, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		tb.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		tb.Fatalf("gunzip: %v", err)
	}
	return string(out)
}
