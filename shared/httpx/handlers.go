package httpx

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
)

// Respond writes v with status, or err as a problem document.
func Respond(c *gin.Context, status int, v any, err error) {
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(status, v)
}

// List writes items as a JSON array (never null), or err as a problem document.
func List[T any](c *gin.Context, items []T, err error) {
	if items == nil {
		items = []T{}
	}
	Respond(c, http.StatusOK, items, err)
}

// ByID returns a handler that answers GET of one resource whose UUID is the path parameter.
func ByID[T any](param string, get func(context.Context, string) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := PathID(c, param)
		if !ok {
			return
		}
		v, err := get(c.Request.Context(), id)
		Respond(c, http.StatusOK, v, err)
	}
}

// Create returns a handler that decodes In, calls create and answers 201 Created
// with a Location header.
func Create[In, Out any](location func(Out) string, create func(context.Context, In) (Out, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if !Bind(c, &in) {
			return
		}
		out, err := create(c.Request.Context(), in)
		if err != nil {
			WriteError(c, err)
			return
		}
		c.Header("Location", location(out))
		c.JSON(http.StatusCreated, out)
	}
}

// Ensure returns a handler for an idempotent create: 201 Created with a Location
// header when it created the resource, 200 with the existing one otherwise.
func Ensure[In, Out any](location func(Out) string, ensure func(context.Context, In) (Out, bool, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if !Bind(c, &in) {
			return
		}
		out, created, err := ensure(c.Request.Context(), in)
		if err != nil {
			WriteError(c, err)
			return
		}
		c.Header("Location", location(out))
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		c.JSON(status, out)
	}
}

// QueryID returns the query parameter name, which must be absent or empty, or
// a lowercase UUID given once; otherwise it writes a 400 problem and reports false.
func QueryID(c *gin.Context, name string) (string, bool) {
	v, ok := QueryText(c, name)
	if !ok {
		return "", false
	}
	if v != "" && !domain.ValidID(v) {
		WriteError(c, domain.Invalid(domain.FieldError{Field: name, Message: domain.IDMessage}))
		return "", false
	}
	return v, true
}

// QueryText returns the query parameter name ("" when it is absent). A parameter
// given more than once, or holding invalid UTF-8 or a NUL character (which no
// database stores in text), is refused: it writes a 400 problem naming the
// parameter and reports false.
func QueryText(c *gin.Context, name string) (string, bool) {
	values := c.QueryArray(name)
	if len(values) == 0 {
		return "", true
	}
	msg := ""
	switch v := values[0]; {
	case len(values) > 1:
		msg = "is given more than once"
	case !utf8.ValidString(v):
		msg = "must be valid UTF-8"
	case strings.IndexByte(v, 0) >= 0:
		msg = "must not contain a NUL character"
	default:
		return v, true
	}
	WriteError(c, domain.Invalid(domain.FieldError{Field: name, Message: msg}))
	return "", false
}

// QueryPage reads the page a list request asks for: ?limit= (1 to
// domain.MaxPageLimit, default domain.DefaultPageLimit) and ?after= (the id of
// the last item of the previous page). Anything else writes a 400 problem
// naming the parameter and reports false.
func QueryPage(c *gin.Context) (domain.Page, bool) {
	p := domain.Page{Limit: domain.DefaultPageLimit}
	raw, ok := QueryText(c, "limit")
	if !ok {
		return p, false
	}
	if raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > domain.MaxPageLimit {
			WriteError(c, domain.Invalid(domain.FieldError{Field: "limit",
				Message: fmt.Sprintf("must be an integer from 1 to %d", domain.MaxPageLimit)}))
			return p, false
		}
		p.Limit = n
	}
	if p.After, ok = QueryID(c, "after"); !ok {
		return p, false
	}
	return p, true
}

// ListPage writes one page of a list as a JSON array: items holds up to
// page.Limit+1 (what a repository answers), and when it holds more than
// page.Limit the extra one is left out and a Link header with rel="next"
// points at the next page: the same path and filters, after the last item.
func ListPage[T any](c *gin.Context, items []T, err error, page domain.Page, id func(T) string) {
	if err == nil && page.Limit > 0 && len(items) > page.Limit {
		items = items[:page.Limit]
		q := c.Request.URL.Query()
		q.Set("after", id(items[len(items)-1]))
		c.Header("Link", "<"+c.Request.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	List(c, items, err)
}

// NextLink returns the target of a Link header's rel="next", or "".
func NextLink(header string) string {
	for _, part := range strings.Split(header, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if ok && strings.Contains(params, `rel="next"`) {
			return strings.Trim(strings.TrimSpace(target), "<>")
		}
	}
	return ""
}
