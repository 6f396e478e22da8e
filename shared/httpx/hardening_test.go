package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/httpx"
)

func TestBind_contentType(t *testing.T) {
	e := httpx.NewEngine(discard())
	e.POST("/x", func(c *gin.Context) {
		var in input
		if httpx.Bind(c, &in) {
			c.Status(http.StatusNoContent)
		}
	})
	for ct, want := range map[string]int{
		"":                                 204,
		"application/json":                 204,
		"application/json; charset=utf-8":  204,
		"Application/JSON":                 204,
		";;;==":                            415,
		";":                                415,
		"application/json; ;;==":           415,
		"application/json; charset=latin1": 415,
		"text/plain":                       415,
	} {
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(`{"name":"a"}`))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Content-Type %q: got %d, want %d", ct, w.Code, want)
		}
		if want == 415 && w.Header().Get("Content-Type") != httpx.ProblemContentType {
			t.Errorf("Content-Type %q: a 415 that is not a problem", ct)
		}
	}
}

func TestEngine_headAnswersAsGet(t *testing.T) {
	e := httpx.NewEngine(discard())
	e.GET("/x", func(c *gin.Context) { c.Header("X-Kind", "get"); c.JSON(http.StatusOK, gin.H{"a": 1}) })
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodHead, "/x", nil))
	if w.Code != http.StatusOK || w.Header().Get("X-Kind") != "get" || w.Body.Len() != 0 {
		t.Errorf("HEAD: got %d %v with %d body bytes, want GET's 200 and headers without a body", w.Code, w.Header(), w.Body.Len())
	}
	w = httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodHead, "/nowhere", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("HEAD of no route: got %d, want 404", w.Code)
	}
}

func TestEngine_requestIDCharset(t *testing.T) {
	e := httpx.NewEngine(discard())
	var seen string
	e.GET("/x", func(c *gin.Context) { seen = httpx.RequestID(c.Request.Context()) })
	for id, kept := range map[string]bool{
		"abc-123":                   true,
		"A.b_C-9":                   true,
		strings.Repeat("a", 128):    true,
		strings.Repeat("a", 129):    false,
		"<script>alert(1)</script>": false,
		"a b":                       false,
		"caf\xc3\xa9":               false,
		"\xff\xfe":                  false,
		"a/b":                       false,
	} {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		r.Header.Set(httpx.RequestIDHeader, id)
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		got := w.Header().Get(httpx.RequestIDHeader)
		if kept && (got != id || seen != id) {
			t.Errorf("%q: got %q, want it kept", id, got)
		}
		if !kept && (got == id || !httpx.ValidRequestID(got) || seen != got) {
			t.Errorf("%q: got %q, want a new one", id, got)
		}
	}
}

// Headers past the lab's limit are a 431 problem (net/http's own, larger limit
// answers text/plain before any handler: see ServerMaxHeaderBytes).
func TestEngine_headerLimit(t *testing.T) {
	e := httpx.NewEngine(discard())
	e.GET("/x", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	srv := httptest.NewUnstartedServer(e)
	srv.Config.MaxHeaderBytes = httpx.ServerMaxHeaderBytes
	srv.Start()
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x", nil)
	req.Header.Set("X-Big", strings.Repeat("a", httpx.MaxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || resp.Header.Get("Content-Type") != httpx.ProblemContentType {
		t.Errorf("got %d %q, want a 431 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
