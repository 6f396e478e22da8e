package httpx

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// RequestIDHeader carries a request's id from the gateway through every service.
const RequestIDHeader = "X-Request-ID"

type requestIDKey struct{}

// WithRequestID returns a context that carries the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Option changes the engine that NewEngine builds.
type Option func(*gin.Engine)

// WithMiddleware adds middleware after the lab's own (request id, log, recovery).
func WithMiddleware(m ...gin.HandlerFunc) Option {
	return func(e *gin.Engine) { e.Use(m...) }
}

func init() { gin.SetMode(gin.ReleaseMode) }

// NewEngine returns a gin engine with request ids, an access log, panic recovery
// and problem+json answers for unknown routes and methods.
func NewEngine(log *slog.Logger, opts ...Option) *gin.Engine {
	e := gin.New()
	e.HandleMethodNotAllowed = true
	// gin would answer a path with a trailing slash, or a differently cased or
	// cleaned one, with a redirect (301 text/html for GET, 307 with no body
	// otherwise); an API answers such a path with a 404 problem instead.
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.ContextWithFallback = true
	e.Use(requestID(), accessLog(log), recovery(log))
	for _, o := range opts {
		o(e)
	}
	e.NoRoute(func(c *gin.Context) {
		WriteProblem(c, NewProblem(http.StatusNotFound, fmt.Sprintf("no route for %s %s", c.Request.Method, c.Request.URL.Path)))
	})
	e.NoMethod(func(c *gin.Context) {
		WriteProblem(c, NewProblem(http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s", c.Request.Method, c.Request.URL.Path)))
	})
	return e
}

func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if id == "" || len(id) > 128 {
			id = uuid.NewString()
		}
		c.Header(RequestIDHeader, id)
		c.Request = c.Request.WithContext(WithRequestID(c.Request.Context(), id))
		c.Next()
	}
}

func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelDebug
		if c.Writer.Status() >= 500 {
			level = slog.LevelWarn
		}
		attrs := []any{"method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status(),
			"duration", time.Since(start).Round(time.Microsecond), "request_id", RequestID(c.Request.Context())}
		if len(c.Errors) > 0 {
			attrs = append(attrs, "error", c.Errors.String())
			level = slog.LevelError
		}
		log.Log(c.Request.Context(), level, "request", attrs...)
	}
}

func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				log.Error("panic in handler", "panic", r, "path", c.Request.URL.Path)
				WriteProblem(c, NewProblem(http.StatusInternalServerError, "internal error"))
			}
		}()
		c.Next()
	}
}
