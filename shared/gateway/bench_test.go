package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// BenchmarkProxy reads one product through the gateway from a fake
// warehouse, many clients at once: the gateway's own cost per proxied
// request (`-cpuprofile` shows where it goes; lab bench-gateway compares it
// with a bare reverse proxy and nginx as processes).
func BenchmarkProxy(b *testing.B) {
	gw := mustGateway(b, servers{})
	benchGet(b, gw.URL+"/api/products/22222222-2222-4222-8222-000000000001")
}

// benchGet reads url with many clients at once.
func benchGet(b *testing.B, url string) {
	client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkBareProxy is BenchmarkProxy's yardstick: httputil.ReverseProxy
// with a buffer pool in front of the same fake warehouse, nothing else.
func BenchmarkBareProxy(b *testing.B) {
	u, _ := url.Parse(upstream(b, "warehouse").URL)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}
	rp.BufferPool = httpx.NewBufferPool()
	s := httptest.NewServer(rp)
	b.Cleanup(s.Close)
	benchGet(b, s.URL+"/api/products/22222222-2222-4222-8222-000000000001")
}

// BenchmarkHandler is the gateway's own cost per proxied request, without a
// network: its handler and a bare httputil.ReverseProxy, each in front of a
// transport that answers a product at once.
func BenchmarkHandler(b *testing.B) {
	product := []byte(`{"productId":"22222222-2222-4222-8222-000000000001","code":"KB-01","name":"Mechanical keyboard","stock":120,"price":8900,"currency":"EUR"}`)
	answer := httpx.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, ProtoMajor: 1, ProtoMinor: 1, Request: r, ContentLength: int64(len(product)),
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(product))}, nil
	})
	path := "/api/products/22222222-2222-4222-8222-000000000001"
	// A server's request has a context that ends with its connection.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil))
			if w.Code != http.StatusOK {
				b.Fatalf("status %d %s", w.Code, w.Body)
			}
		}
	}
	gateway := func(log *slog.Logger, opts ...Option) http.Handler {
		cfg := config.Gateway{Variant: "rest", UIDist: b.TempDir(), UpstreamTimeout: 5 * time.Second,
			ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
		cfg.URLs = servers{"customers": "http://c", "ordering": "http://o", "warehouse": "http://w", "shipping": "http://s", "billing": "http://b"}.urls()
		h, err := New(cfg, log, append(opts, WithCalls(func(string, http.RoundTripper) http.RoundTripper { return answer }))...)
		if err != nil {
			b.Fatal(err)
		}
		return h
	}
	b.Run("gateway", func(b *testing.B) { run(b, gateway(slog.New(slog.DiscardHandler))) })
	// The access line of every request, at info as lab run writes it.
	b.Run("gateway+log", func(b *testing.B) {
		run(b, gateway(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	})
	// The same through gin, as with a pattern's middleware (here one that
	// does nothing): what the lean path saves.
	b.Run("gateway+log+gin", func(b *testing.B) {
		run(b, gateway(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})),
			WithMiddleware(func(c *gin.Context) { c.Next() })))
	})
	bare := func() *httputil.ReverseProxy {
		rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "w"})
		rp.Transport = answer
		rp.BufferPool = httpx.NewBufferPool()
		return rp
	}
	b.Run("bare", func(b *testing.B) { run(b, bare()) })
	// The least a gateway with request ids and an access log does: the bare
	// proxy, a request id made and passed on, and the access line — no
	// routing, no limits. Against "gateway+log" (the lean path) it is the
	// cost of the gateway's routing, limits and checks; against
	// "gateway+log+gin", of gin's as well.
	b.Run("bare+id+log", func(b *testing.B) {
		rp := bare()
		// The line is written as the gateway writes it (httpx.AccessRecord).
		h := slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})
		run(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := httpx.NewRequestID()
			w.Header().Set(httpx.RequestIDHeader, id)
			r.Header.Set(httpx.RequestIDHeader, id)
			rp.ServeHTTP(w, r.WithContext(httpx.WithRequestID(r.Context(), id)))
			_ = h.Handle(r.Context(), httpx.AccessRecord(slog.LevelInfo, r, http.StatusOK, start, id))
		}))
	})
}
