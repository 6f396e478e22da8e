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
	Name     string   `json:"name"`
	Quantity int      `json:"quantity"`
	Tags     []string `json:"tags,omitempty"`
}

type embedded struct {
	Rate float64 `json:"rate"`
}

type withEmbedded struct {
	embedded
	Count *uint64 `json:"count,omitempty"`
	Note  string
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name, body string
		wantField  string // the field the error names; "" for a body-level error
		wantOK     bool
		wantMsg    string // a part of the field's message, or of the body-level message; "" to skip
	}{
		{"accepts a valid object", `{"name":"a","quantity":2}`, "", true, ""},
		{"accepts escapes and any valid UTF-8", `{"name":"\u00e9 ü \ufffd \ud83d\ude00 \t","tags":["a\/b"]}`, "", true, ""},
		{"accepts trailing whitespace", "{\"name\":\"a\"} \r\n\t", "", true, ""},
		{"refuses malformed JSON", `{"name":`, "", false, "malformed JSON"},
		{"refuses an empty body", ``, "", false, "empty"},
		{"refuses an array", `[1]`, "", false, "JSON object"},
		{"refuses a wrong type and names the field", `{"quantity":"2"}`, "quantity", false, "must be an integer"},
		{"refuses a fraction for an integer", `{"quantity":1.5}`, "quantity", false, "must be an integer"},
		{"refuses an exponent for an integer", `{"quantity":1e2}`, "quantity", false, "must be an integer"},
		{"refuses a number for a string", `{"name":5}`, "name", false, "must be a string"},
		{"refuses an unknown field and names it", `{"name":"a","extra":1}`, "extra", false, "not a known field"},
		{"refuses trailing data", `{"name":"a"} {"name":"b"}`, "", false, "nothing after it"},
		{"refuses a trailing bracket", `{"name":"a"}]`, "", false, "nothing after it"},
		{"refuses a trailing brace", `{"name":"a"}}`, "", false, "nothing after it"},
		// NUL and invalid UTF-8: a PostgreSQL text column refuses both, which was a 500.
		{"refuses an escaped NUL and names the field", `{"name":"a\u0000b"}`, "name", false, "NUL"},
		{"refuses a NUL in an array", `{"tags":["a","\u0000"]}`, "tags[1]", false, "NUL"},
		{"refuses a NUL in an unknown key", `{"a\u0000":1}`, "a\x00", false, ""},
		{"refuses invalid UTF-8 in a string", "{\"name\":\"a\xffb\"}", "", false, "UTF-8"},
		{"refuses a truncated UTF-8 sequence", "{\"name\":\"\xe2\x82\"}", "", false, "UTF-8"},
		{"refuses invalid UTF-8 in a key", "{\"n\xc3\":\"a\"}", "", false, "UTF-8"},
		// encoding/json turns an escaped lone surrogate into U+FFFD, as it would a bad byte.
		{"refuses an escaped lone high surrogate", `{"name":"\ud800"}`, "", false, "surrogate"},
		{"refuses an escaped lone low surrogate", `{"name":"a\udc00b"}`, "", false, "surrogate"},
		{"refuses a high surrogate before a non-surrogate", `{"name":"\ud83d\u0041"}`, "", false, "surrogate"},
		{"refuses two high surrogates", `{"name":"\ud83d\ud83d"}`, "", false, "surrogate"},
		{"refuses a lone surrogate in a key", `{"\uDBFF":1}`, "", false, "surrogate"},
		{"accepts an escaped backslash before u", `{"name":"\\ud800"}`, "", true, ""},
		// encoding/json keeps the last of duplicate keys and matches keys case-insensitively.
		{"refuses a duplicate key and names it", `{"name":"a","quantity":1,"name":"b"}`, "name", false, "more than once"},
		{"refuses a duplicate key in a nested object", `{"name":"a","tags":null,"quantity":1,"quantity":1}`, "quantity", false, "more than once"},
		{"refuses a key in another case and names it", `{"NAME":"a"}`, "NAME", false, `did you mean "name"`},
		{"refuses a key in mixed case", `{"name":"a","Quantity":1}`, "Quantity", false, "case-sensitive"},
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
			msg := de.Message
			if tt.wantField == "" && len(de.Fields) > 0 {
				t.Errorf("got fields %+v, want a body-level error", de.Fields)
			}
			if tt.wantField != "" {
				if len(de.Fields) == 0 || de.Fields[0].Field != tt.wantField {
					t.Fatalf("got %v with fields %+v, want %q named", err, de.Fields, tt.wantField)
				}
				msg = de.Fields[0].Message
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("got message %q, want it to say %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestDecodeJSON_nested(t *testing.T) {
	var v struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	for body, want := range map[string]string{
		`{"items":[{"id":"a","id":"b"}]}`: "items[0].id",
		`{"items":[{"id":"\u0000"}]}`:     "items[0].id",
	} {
		err := httpx.DecodeJSON(strings.NewReader(body), &v)
		var de *domain.Error
		if !errors.As(err, &de) || len(de.Fields) == 0 || de.Fields[0].Field != want {
			t.Errorf("%s: got %v, want an error on %q", body, err, want)
		}
	}
	if err := httpx.DecodeJSON(strings.NewReader(`{"items":[{"id":"a"},{"id":"b"}]}`), &v); err != nil {
		t.Errorf("a valid nested body: got %v", err)
	}
}

func TestDecodeJSON_embeddedAndUntaggedFields(t *testing.T) {
	var v withEmbedded
	if err := httpx.DecodeJSON(strings.NewReader(`{"rate":0.5,"count":3,"Note":"x"}`), &v); err != nil {
		t.Fatalf("got %v, want the embedded and untagged names known", err)
	}
	if v.Rate != 0.5 || v.Count == nil || *v.Count != 3 || v.Note != "x" {
		t.Errorf("got %+v", v)
	}
	for _, body := range []string{`{"Rate":0.5}`, `{"note":"x"}`, `{"embedded":{}}`} {
		if err := httpx.DecodeJSON(strings.NewReader(body), &v); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("%s: got %v, want an invalid error", body, err)
		}
	}
	var n struct {
		Count *uint64 `json:"count"`
	}
	err := httpx.DecodeJSON(strings.NewReader(`{"count":-1}`), &n)
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 || de.Fields[0].Message != "must be an integer" {
		t.Errorf("a negative count: got %v, want \"must be an integer\"", err)
	}
}

func TestDecodeJSON_map(t *testing.T) {
	var m map[string]any
	if err := httpx.DecodeJSON(strings.NewReader(`{"Any":1,"KEY":2}`), &m); err != nil {
		t.Errorf("a map takes any key: got %v", err)
	}
	if err := httpx.DecodeJSON(strings.NewReader(`{"a":1,"a":2}`), &m); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("a duplicate key into a map: got %v, want an invalid error", err)
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
