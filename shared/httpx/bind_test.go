package httpx_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

type input struct {
	Name     string `json:"name"`
	Quantity int    `json:"quantity"`
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name, body string
		wantField  string // the field the error names; "" for a body-level error
		wantOK     bool
	}{
		{"accepts a valid object", `{"name":"a","quantity":2}`, "", true},
		{"refuses malformed JSON", `{"name":`, "", false},
		{"refuses an empty body", ``, "", false},
		{"refuses an array", `[1]`, "", false},
		{"refuses a wrong type and names the field", `{"quantity":"2"}`, "quantity", false},
		{"refuses a fraction for an integer", `{"quantity":1.5}`, "quantity", false},
		{"refuses an unknown field and names it", `{"name":"a","extra":1}`, "extra", false},
		{"refuses trailing data", `{"name":"a"} {"name":"b"}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in input
			err := httpx.DecodeJSON(strings.NewReader(tt.body), &in)
			if tt.wantOK {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if domain.ErrorCode(err) != domain.CodeInvalid {
				t.Fatalf("got %v, want an invalid error", err)
			}
			var de *domain.Error
			errors.As(err, &de)
			if tt.wantField != "" && (len(de.Fields) == 0 || de.Fields[0].Field != tt.wantField) {
				t.Errorf("got fields %+v, want %q named", de.Fields, tt.wantField)
			}
		})
	}
}

func TestStatusOf_roundTrip(t *testing.T) {
	for _, code := range []domain.Code{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeUnavailable,
		domain.CodeTimeout, domain.CodeBadGateway, domain.CodeUnauthorized, domain.CodeForbidden, domain.CodeTooManyRequests} {
		if got := httpx.CodeOf(httpx.StatusOf(code)); got != code {
			t.Errorf("CodeOf(StatusOf(%s)) = %s", code, got)
		}
	}
	if got := httpx.StatusOf(domain.CodeInternal); got != http.StatusInternalServerError {
		t.Errorf("internal: got %d, want 500", got)
	}
}

func TestEngine_problems(t *testing.T) {
	e := httpx.NewEngine(discard())
	e.GET("/boom", func(c *gin.Context) { panic("boom") })
	e.GET("/err", func(c *gin.Context) { httpx.WriteError(c, errors.New("db exploded")) })
	e.GET("/busy", func(c *gin.Context) { httpx.WriteError(c, domain.Errorf(domain.CodeUnavailable, "try later")) })
	tests := []struct {
		method, path string
		want         int
		wantDetail   string
	}{
		{"GET", "/nowhere", 404, "no route for GET /nowhere"},
		{"POST", "/boom", 405, "method POST is not allowed on /boom"},
		{"GET", "/boom", 500, "internal error"},
		{"GET", "/err", 500, "internal error"},
		{"GET", "/busy", 503, "try later"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			e.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.want || w.Header().Get("Content-Type") != httpx.ProblemContentType {
				t.Fatalf("got %d %q, want %d problem+json", w.Code, w.Header().Get("Content-Type"), tt.want)
			}
			if !strings.Contains(w.Body.String(), tt.wantDetail) {
				t.Errorf("body %s does not say %q", w.Body, tt.wantDetail)
			}
			if w.Header().Get(httpx.RequestIDHeader) == "" {
				t.Error("no request id on the answer")
			}
			if tt.want == 503 && w.Header().Get("Retry-After") == "" {
				t.Error("a 503 without Retry-After")
			}
			if tt.want == 500 && strings.Contains(w.Body.String(), "exploded") {
				t.Error("a 500 shows its cause to the client")
			}
		})
	}
}

func TestEngine_keepsRequestID(t *testing.T) {
	e := httpx.NewEngine(discard())
	var seen string
	e.GET("/x", func(c *gin.Context) { seen = httpx.RequestID(c.Request.Context()) })
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set(httpx.RequestIDHeader, "abc-123")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if seen != "abc-123" || w.Header().Get(httpx.RequestIDHeader) != "abc-123" {
		t.Errorf("got %q in the context and %q on the answer, want abc-123", seen, w.Header().Get(httpx.RequestIDHeader))
	}
}
