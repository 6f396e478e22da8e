package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// DecodeJSON reads one JSON object from r into dst. Malformed JSON, a wrong type,
// an unknown field or trailing data are CodeInvalid errors that name the field.
// It is strict where encoding/json is lenient: the body must be valid UTF-8 (the
// decoder would silently replace bad bytes with U+FFFD), no string may hold a NUL
// character (no database stores one in text), no key may appear twice in an
// object (the decoder would keep the last), and when dst is a struct every key
// must match one of its JSON names exactly (the decoder would ignore case).
func DecodeJSON(r io.Reader, dst any) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return decodeError(err)
	}
	if !utf8.Valid(raw) {
		return domain.Errorf(domain.CodeInvalid, "the body is not valid UTF-8")
	}
	if loneSurrogate(raw) {
		// encoding/json would store it as U+FFFD, as it would an invalid byte.
		return domain.Errorf(domain.CodeInvalid, "the body is not valid UTF-8: it escapes a lone UTF-16 surrogate (\\ud800 to \\udfff)")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if len(bytes.TrimLeft(raw[dec.InputOffset():], " \t\r\n")) > 0 {
		return domain.Errorf(domain.CodeInvalid, "the body must hold one JSON object and nothing after it")
	}
	return checkJSON(raw, jsonNames(dst))
}

// loneSurrogate reports whether raw holds a \u escape of a UTF-16 surrogate
// that is not the first half of a pair followed by its second half. Only
// strings hold backslashes in JSON, so a scan for escapes needs no parsing.
func loneSurrogate(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // an escape of one character (\", \\, \n …): skip it
			continue
		}
		r, ok := hex4(raw[i+2:])
		switch {
		case !ok || r < 0xd800 || r > 0xdfff:
		case r >= 0xdc00:
			return true // a second half with no first
		default:
			next := raw[i+6:]
			if len(next) < 6 || next[0] != '\\' || next[1] != 'u' {
				return true
			}
			if lo, ok := hex4(next[2:]); !ok || lo < 0xdc00 || lo > 0xdfff {
				return true
			}
			i += 6 // the pair's second half
		}
		i += 5
	}
	return false
}

// hex4 reads four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(n), err == nil
}

// checkJSON walks the one JSON value in raw, which the decoder has accepted
// already, for what the decoder lets through. names, when not nil, holds the
// keys the top-level object may have.
func checkJSON(raw []byte, names map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := checkValue(dec, "", names); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return err
		}
		return domain.Errorf(domain.CodeInvalid, "malformed JSON: %v", err)
	}
	return nil
}

// checkValue reads one value from dec; path names it in an error ("" is the body).
func checkValue(dec *json.Decoder, path string, names map[string]bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok := tok.(type) {
	case string:
		if strings.IndexByte(tok, 0) >= 0 {
			if path == "" {
				return domain.Errorf(domain.CodeInvalid, "the body must not contain a NUL character")
			}
			return domain.Invalid(domain.FieldError{Field: path, Message: "must not contain a NUL character"})
		}
	case json.Delim:
		switch tok {
		case '{':
			seen := map[string]bool{}
			for dec.More() {
				keyTok, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := keyTok.(string)
				field := key
				if path != "" {
					field = path + "." + key
				}
				switch {
				case strings.IndexByte(key, 0) >= 0:
					return domain.Invalid(domain.FieldError{Field: field, Message: "must not contain a NUL character"})
				case seen[key]:
					return domain.Invalid(domain.FieldError{Field: field, Message: "is given more than once"})
				case names != nil && !names[key]:
					return domain.Invalid(domain.FieldError{Field: field, Message: unknownKey(key, names)})
				}
				seen[key] = true
				if err := checkValue(dec, field, nil); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if err := checkValue(dec, fmt.Sprintf("%s[%d]", path, i), nil); err != nil {
					return err
				}
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
	}
	return nil
}

// unknownKey explains a key that matches no JSON name, or one only when case is ignored.
func unknownKey(key string, names map[string]bool) string {
	for name := range names {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("is not a known field (names are case-sensitive: did you mean %q?)", name)
		}
	}
	return "is not a known field"
}

// jsonNames returns the JSON names of the fields of the struct dst points to,
// as encoding/json sees them (embedded structs included), or nil when dst is
// not a pointer to a struct.
func jsonNames(dst any) map[string]bool {
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	names := map[string]bool{}
	addJSONNames(t.Elem(), names, 0)
	return names
}

func addJSONNames(t reflect.Type, names map[string]bool, depth int) {
	if depth > 8 {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addJSONNames(ft, names, depth+1)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[name] = true
	}
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
		return domain.Invalid(domain.FieldError{Field: field, Message: fmt.Sprintf("must be %s", jsonKind(typ.Type))})
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.CodeInvalid, "malformed JSON: %v", err)
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.CodeInvalid, "the body is empty: a JSON object is required")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if unq, uerr := strconv.Unquote(name); uerr == nil {
			name = unq
		}
		return domain.Invalid(domain.FieldError{Field: name, Message: "is not a known field"})
	}
	return domain.Errorf(domain.CodeInvalid, "malformed JSON: %v", err)
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a " + t.Kind().String()
}

// Bind decodes the request body into dst and writes a 400 problem when it cannot.
// It reports whether the handler may go on.
func Bind(c *gin.Context, dst any) bool {
	if !jsonContentType(c.GetHeader("Content-Type")) {
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

// jsonContentType reports whether a request's Content-Type allows a JSON body:
// absent, or application/json with valid parameters (gin's ContentType would
// read ";;;==" as absent).
func jsonContentType(header string) bool {
	if strings.TrimSpace(header) == "" {
		return true
	}
	mt, params, err := mime.ParseMediaType(header)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
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
