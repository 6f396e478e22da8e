package httpx

import (
	"context"
	"net/http"
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
