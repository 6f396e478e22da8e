package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// DecodeJSON reads one JSON object from r into dst. Malformed JSON, a wrong type,
// an unknown field or trailing data are CodeInvalid errors that name the field.
func DecodeJSON(r io.Reader, dst any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return domain.Errorf(domain.CodeInvalid, "the body must hold one JSON object and nothing after it")
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return domain.Errorf(domain.CodeInvalid, "the body is larger than %d bytes", MaxBodyBytes)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return domain.Errorf(domain.CodeInvalid, "the body must be a JSON object")
		}
		return domain.Invalid(domain.FieldError{Field: field, Message: fmt.Sprintf("must be a %s", jsonKind(typ.Type.Kind().String()))})
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.CodeInvalid, "malformed JSON: %v", err)
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.CodeInvalid, "the body is empty: a JSON object is required")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return domain.Invalid(domain.FieldError{Field: name, Message: "is not a known field"})
	}
	return domain.Errorf(domain.CodeInvalid, "malformed JSON: %v", err)
}

func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "bool":
		return "boolean"
	case kind == "slice" || kind == "array":
		return "array"
	case kind == "struct" || kind == "map":
		return "object"
	}
	return kind
}

// Bind decodes the request body into dst and writes a 400 problem when it cannot.
// It reports whether the handler may go on.
func Bind(c *gin.Context, dst any) bool {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		WriteProblem(c, NewProblem(http.StatusUnsupportedMediaType, "the body must be application/json"))
		return false
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
	if err := DecodeJSON(body, dst); err != nil {
		WriteError(c, err)
		return false
	}
	return true
}

// PathID returns the path parameter name when it is a UUID, and otherwise writes a 400 problem.
func PathID(c *gin.Context, name string) (string, bool) {
	id := c.Param(name)
	if err := domain.CheckID(name, id); err != nil {
		WriteError(c, err)
		return "", false
	}
	return id, true
}

// JSONBody encodes v for an outgoing request.
func JSONBody(v any) (io.Reader, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(b), nil
}
