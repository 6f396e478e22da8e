package httpx_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/testenv"
)

func TestAccessLog_levels(t *testing.T) {
	logs := testenv.NewLogs()
	e := httpx.NewEngine(slog.New(logs))
	httpx.Health(e, map[string]httpx.Check{"broker": func(context.Context) error { return fmt.Errorf("not yet") }})
	e.GET("/busy", func(c *gin.Context) { c.Status(http.StatusServiceUnavailable) })
	e.GET("/gone", func(c *gin.Context) {
		<-c.Request.Context().Done()
		httpx.WriteError(c, fmt.Errorf("read the order: %w", c.Request.Context().Err()))
	})
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		return w
	}
	if w := serve(httptest.NewRequest("GET", "/readyz", nil)); w.Code != 503 {
		t.Fatalf("readyz: %d", w.Code)
	}
	serve(httptest.NewRequest("GET", "/busy", nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if w := serve(httptest.NewRequest("GET", "/gone", nil).WithContext(ctx)); w.Code != 499 {
		t.Errorf("a request whose caller went away: %d, want 499", w.Code)
	}
	want := []string{
		"DEBUG request path=/readyz status=503", // a probe while the service starts
		"WARN request path=/busy status=503",
		"DEBUG request path=/gone status=499", // no ERROR, no 500
	}
	var lines []string
	for _, r := range logs.Records() {
		path, _ := r.Attr("path")
		status, _ := r.Attr("status")
		lines = append(lines, fmt.Sprintf("%s %s path=%v status=%v", r.Level, r.Message, path, status))
	}
	if got := strings.Join(lines, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

// A StatusWriter keeps the first final status written through it (a 1xx is
// not one), 200 when only a body was written.
func TestStatusWriter(t *testing.T) {
	for _, tt := range []struct {
		codes []int
		want  int
	}{{nil, http.StatusOK}, {[]int{http.StatusEarlyHints, http.StatusTeapot}, http.StatusTeapot}, {[]int{499}, 499}} {
		w := httpx.NewStatusWriter(httptest.NewRecorder())
		for _, c := range tt.codes {
			w.WriteHeader(c)
		}
		_, _ = w.Write([]byte("x"))
		if w.Status != tt.want {
			t.Errorf("after %v: status %d, want %d", tt.codes, w.Status, tt.want)
		}
	}
}
