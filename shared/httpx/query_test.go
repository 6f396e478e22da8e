package httpx_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/httpx"
)

func TestQueryTextAndQueryID(t *testing.T) {
	e := httpx.NewEngine(discard())
	e.GET("/text", func(c *gin.Context) {
		if v, ok := httpx.QueryText(c, "code"); ok {
			c.String(http.StatusOK, v)
		}
	})
	e.GET("/id", func(c *gin.Context) {
		if v, ok := httpx.QueryID(c, "orderId"); ok {
			c.String(http.StatusOK, v)
		}
	})
	const id = "8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c21"
	tests := []struct {
		name, target string
		want         int
		wantBody     string // the value on a 200
		wantField    string // the parameter the problem names on a 400
		wantMessage  string
	}{
		{"text absent", "/text", 200, "", "", ""},
		{"text empty", "/text?code=", 200, "", "", ""},
		{"text plain", "/text?code=P-01", 200, "P-01", "", ""},
		{"text UTF-8", "/text?code=%C3%A9", 200, "é", "", ""},
		{"text NUL", "/text?code=%00", 400, "", "code", "must not contain a NUL character"},
		{"text NUL inside", "/text?code=a%00b", 400, "", "code", "must not contain a NUL character"},
		{"text invalid UTF-8", "/text?code=%ff", 400, "", "code", "must be valid UTF-8"},
		{"text truncated UTF-8", "/text?code=%e2%82", 400, "", "code", "must be valid UTF-8"},
		{"text repeated", "/text?code=a&code=b", 400, "", "code", "is given more than once"},
		{"text repeated empty", "/text?code=&code=", 400, "", "code", "is given more than once"},
		{"id absent", "/id", 200, "", "", ""},
		{"id empty", "/id?orderId=", 200, "", "", ""},
		{"id lowercase", "/id?orderId=" + id, 200, id, "", ""},
		{"id uppercase", "/id?orderId=8E4F2A6C-1D3B-4F5A-9C7E-2B8D6F0A4C21", 400, "", "orderId", "must be a lowercase UUID"},
		{"id braces", "/id?orderId=%7B" + id + "%7D", 400, "", "orderId", "must be a lowercase UUID"},
		{"id urn", "/id?orderId=urn:uuid:" + id, 400, "", "orderId", "must be a lowercase UUID"},
		{"id malformed", "/id?orderId=1", 400, "", "orderId", "must be a lowercase UUID"},
		{"id repeated", "/id?orderId=" + id + "&orderId=" + id, 400, "", "orderId", "is given more than once"},
		{"id NUL", "/id?orderId=%00", 400, "", "orderId", "must not contain a NUL character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			e.ServeHTTP(w, httptest.NewRequest("GET", tt.target, nil))
			if w.Code != tt.want {
				t.Fatalf("got %d %s, want %d", w.Code, w.Body, tt.want)
			}
			if tt.want == 200 {
				if w.Body.String() != tt.wantBody {
					t.Errorf("got %q, want %q", w.Body, tt.wantBody)
				}
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != httpx.ProblemContentType {
				t.Fatalf("got %q, want a problem", ct)
			}
			var p httpx.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Errors) != 1 || p.Errors[0].Field != tt.wantField || p.Errors[0].Message != tt.wantMessage {
				t.Errorf("got errors %+v, want %s %q", p.Errors, tt.wantField, tt.wantMessage)
			}
		})
	}
}

func TestPathID_refusesNonCanonicalIDs(t *testing.T) {
	e := httpx.NewEngine(discard())
	e.GET("/orders/:orderId", func(c *gin.Context) {
		if v, ok := httpx.PathID(c, "orderId"); ok {
			c.String(http.StatusOK, v)
		}
	})
	const id = "8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c21"
	for target, want := range map[string]int{
		"/orders/" + id: 200,
		"/orders/8E4F2A6C-1D3B-4F5A-9C7E-2B8D6F0A4C21":   400,
		"/orders/8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4C21":   400,
		"/orders/%7B" + id + "%7D":                       400,
		"/orders/urn:uuid:" + id:                         400,
		"/orders/8e4f2a6c1d3b4f5a9c7e2b8d6f0a4c21":       400,
		"/orders/8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c2%00": 400,
		"/orders/8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c2%ff": 400,
	} {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		if w.Code != want {
			t.Errorf("GET %s: got %d %s, want %d", target, w.Code, w.Body, want)
		}
		if want == 400 && w.Header().Get("Content-Type") != httpx.ProblemContentType {
			t.Errorf("GET %s: got %q, want a problem", target, w.Header().Get("Content-Type"))
		}
	}
}
