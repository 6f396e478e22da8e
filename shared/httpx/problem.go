// Package httpx holds what every HTTP server of the lab shares: the gin engine,
// RFC 9457 problem documents, request ids, health endpoints and graceful shutdown.
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"

	"github.com/microservice-patterns/lab/shared/domain"
)

// ProblemContentType is the media type of an RFC 9457 problem document.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	Errors   []domain.FieldError `json:"errors,omitempty"`
	// TraceID names the request's trace when a tracing pattern records one.
	TraceID string `json:"traceId,omitempty"`
}

// StatusOf maps a domain error code to its HTTP status: the one place where that happens.
func StatusOf(code domain.Code) int {
	switch code {
	case domain.CodeInvalid:
		return http.StatusBadRequest
	case domain.CodeUnauthorized:
		return http.StatusUnauthorized
	case domain.CodeForbidden:
		return http.StatusForbidden
	case domain.CodeNotFound:
		return http.StatusNotFound
	case domain.CodeConflict:
		return http.StatusConflict
	case domain.CodeTooManyRequests:
		return http.StatusTooManyRequests
	case domain.CodeBadGateway:
		return http.StatusBadGateway
	case domain.CodeUnavailable:
		return http.StatusServiceUnavailable
	case domain.CodeTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// CodeOf maps an HTTP status back to a domain error code (for clients of other services).
func CodeOf(status int) domain.Code {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
		return domain.CodeInvalid
	case http.StatusUnauthorized:
		return domain.CodeUnauthorized
	case http.StatusForbidden:
		return domain.CodeForbidden
	case http.StatusNotFound:
		return domain.CodeNotFound
	case http.StatusConflict:
		return domain.CodeConflict
	case http.StatusTooManyRequests:
		return domain.CodeTooManyRequests
	case http.StatusBadGateway:
		return domain.CodeBadGateway
	case http.StatusServiceUnavailable:
		return domain.CodeUnavailable
	case http.StatusGatewayTimeout:
		return domain.CodeTimeout
	}
	return domain.CodeInternal
}

// NewProblem builds a problem document for a status with a detail.
func NewProblem(status int, detail string) Problem {
	return Problem{Type: "/problems/" + slug(status), Title: http.StatusText(status), Status: status, Detail: detail}
}

func slug(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid-request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not-found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusServiceUnavailable:
		return "unavailable"
	case http.StatusGatewayTimeout:
		return "timeout"
	case http.StatusBadGateway:
		return "bad-gateway"
	case http.StatusTooManyRequests:
		return "too-many-requests"
	}
	return strconv.Itoa(status)
}

// WriteProblem writes p as the response and aborts the gin chain.
func WriteProblem(c *gin.Context, p Problem) {
	p = completeProblem(c.Writer, c.Request, p)
	c.AbortWithStatusJSON(p.Status, p)
}

// WriteProblemTo writes p as the answer to r, outside gin (a reverse proxy's
// error handler).
func WriteProblemTo(w http.ResponseWriter, r *http.Request, p Problem) {
	p = completeProblem(w, r, p)
	body, err := json.Marshal(p)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

// completeProblem fills in p's instance and trace id from r, and sets the
// headers of a problem answer on w.
func completeProblem(w http.ResponseWriter, r *http.Request, p Problem) Problem {
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	if sc := trace.SpanContextFromContext(r.Context()); p.TraceID == "" && sc.HasTraceID() {
		p.TraceID = sc.TraceID().String()
	}
	if p.Status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", ProblemContentType)
	return p
}

// WriteError maps err to its status and writes it as a problem document. An error
// without a domain code is a 500 whose cause is logged, never shown.
func WriteError(c *gin.Context, err error) {
	if errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil {
		// The caller went away, and the work stopped with it: nobody reads the
		// answer, and nothing failed. 499 is the customary log status.
		c.AbortWithStatus(499)
		return
	}
	code := domain.ErrorCode(err)
	p := NewProblem(StatusOf(code), domain.ErrorMessage(err))
	var de *domain.Error
	if errors.As(err, &de) {
		p.Errors = de.Fields
	}
	if code == domain.CodeInternal {
		_ = c.Error(err)
	}
	if d := domain.RetryAfterOf(err); d > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
	WriteProblem(c, p)
}
