package httpx_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// service is an engine with the routes of a typical service.
func service() *gin.Engine {
	e := httpx.NewEngine(discard())
	e.GET("/api/orders", func(c *gin.Context) { c.JSON(http.StatusOK, []string{}) })
	e.POST("/api/orders", func(c *gin.Context) { c.JSON(http.StatusCreated, gin.H{}) })
	e.GET("/api/orders/:orderId", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{}) })
	return e
}

// gatewayLike proxies /api/orders and everything under it to upstream, as the
// the gateway (shared/gateway) does by prefix.
func gatewayLike(upstream string) *gin.Engine {
	target, _ := url.Parse(upstream)
	proxy := httputil.NewSingleHostReverseProxy(target)
	e := httpx.NewEngine(discard())
	h := func(c *gin.Context) { proxy.ServeHTTP(c.Writer, c.Request) }
	e.Any("/api/orders", h)
	e.Any("/api/orders/*rest", h)
	return e
}

// A path that differs from a route by a trailing slash, its case or an extra
// slash is a 404 problem, not a redirect (301 text/html or 307 with no body).
func TestEngine_noRedirects(t *testing.T) {
	svc := httptest.NewServer(service())
	defer svc.Close()
	gw := httptest.NewServer(gatewayLike(svc.URL))
	defer gw.Close()
	bases := map[string]string{"service": svc.URL, "gateway": gw.URL}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/orders", 200},
		{"POST", "/api/orders", 201},
		{"GET", "/api/orders/", 404},
		{"POST", "/api/orders/", 404},
		{"PUT", "/api/orders/", 404},
		{"GET", "/api/orders/8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c21/", 404},
		{"GET", "/API/orders", 404},
		{"GET", "/api//orders", 404},
	}
	for name, base := range bases {
		for _, tt := range tests {
			t.Run(name+" "+tt.method+" "+tt.path, func(t *testing.T) {
				req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader("{}"))
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.want {
					t.Fatalf("got %d %q %s, want %d", resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.want)
				}
				if resp.Header.Get("Location") != "" {
					t.Errorf("got a Location %q, want none", resp.Header.Get("Location"))
				}
				if tt.want != 404 {
					return
				}
				if ct := resp.Header.Get("Content-Type"); ct != httpx.ProblemContentType {
					t.Fatalf("got %q, want a problem", ct)
				}
				var p httpx.Problem
				if err := json.Unmarshal(body, &p); err != nil || p.Status != 404 {
					t.Errorf("got %s (%v), want a 404 problem", body, err)
				}
			})
		}
	}
}
