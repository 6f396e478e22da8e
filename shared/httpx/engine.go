package httpx

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// RequestIDHeader carries a request's id from the gateway through every service.
// It is spelled in the canonical form net/http gives it on the wire
// (textproto.CanonicalMIMEHeaderKey): a Get or Set of it then needs no
// canonical copy of the key on every request.
const RequestIDHeader = "X-Request-Id"

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

// Stage is a slot of the one middleware order every service and the gateway
// follow (see shared/app): request id → tracing → metrics → access log →
// recovery → authentication → what the caller adds after NewEngine.
type Stage int

// The slots a pattern's middleware can take in NewEngine.
const (
	StageTracing Stage = iota // after the request id, before everything else
	StageMetrics              // after tracing, before the access log
	StageAuth                 // after the access log and recovery
	StageAfter                // after authentication
	stages
)

// Option changes the engine that NewEngine builds.
type Option func(*[stages][]gin.HandlerFunc)

// WithStage adds middleware to a slot of the middleware order.
func WithStage(s Stage, m ...gin.HandlerFunc) Option {
	return func(slots *[stages][]gin.HandlerFunc) { slots[s] = append(slots[s], m...) }
}

// WithMiddleware adds middleware after all of the lab's own (StageAfter).
func WithMiddleware(m ...gin.HandlerFunc) Option { return WithStage(StageAfter, m...) }

func init() {
	gin.SetMode(gin.ReleaseMode)
	// The lab's other ids (orders, messages …) come from a pool of random
	// bytes read from crypto/rand 16 ids at a time, instead of a read of the
	// system's source for each id.
	uuid.EnableRandPool()
}

// NewEngine returns a gin engine with request ids, an access log, panic recovery,
// the middleware of opts in their slots, and problem+json answers for unknown
// routes and methods.
func NewEngine(log *slog.Logger, opts ...Option) *gin.Engine {
	e := gin.New()
	e.HandleMethodNotAllowed = true
	// gin would answer a path with a trailing slash, or a differently cased or
	// cleaned one, with a redirect (301 text/html for GET, 307 with no body
	// otherwise); an API answers such a path with a 404 problem instead.
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.ContextWithFallback = true
	var slots [stages][]gin.HandlerFunc
	for _, o := range opts {
		o(&slots)
	}
	e.Use(requestID())
	e.Use(slots[StageTracing]...)
	e.Use(slots[StageMetrics]...)
	e.Use(accessLog(log), recovery(log), headerLimit())
	e.Use(slots[StageAuth]...)
	e.Use(slots[StageAfter]...)
	e.NoRoute(func(c *gin.Context) {
		WriteProblem(c, NewProblem(http.StatusNotFound, fmt.Sprintf("no route for %s %s", c.Request.Method, c.Request.URL.Path)))
	})
	e.NoMethod(func(c *gin.Context) {
		if c.Request.Method == http.MethodHead {
			headAsGet(e, c)
			return
		}
		WriteProblem(c, NewProblem(http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s", c.Request.Method, c.Request.URL.Path)))
	})
	return e
}

// MaxHeaderBytes bounds the request line and headers of a request: beyond it the
// engine answers 431 as a problem document. The server's own, larger limit
// (ServerMaxHeaderBytes) is the one net/http enforces before any handler runs,
// with a text/plain answer the lab cannot change.
const MaxHeaderBytes = 32 << 10

// headerLimit answers 431 when the request line and headers exceed MaxHeaderBytes.
func headerLimit() gin.HandlerFunc {
	return func(c *gin.Context) {
		n := len(c.Request.Method) + len(c.Request.RequestURI) + len(c.Request.Host)
		for k, vs := range c.Request.Header {
			for _, v := range vs {
				n += len(k) + len(v) + 4
			}
		}
		if n > MaxHeaderBytes {
			WriteProblem(c, NewProblem(http.StatusRequestHeaderFieldsTooLarge,
				fmt.Sprintf("the request line and headers are larger than %d bytes", MaxHeaderBytes)))
		}
	}
}

// headAsGet answers a HEAD request on a path that has a GET route as GET would,
// without the body: gin routes HEAD only where it is registered.
func headAsGet(e *gin.Engine, c *gin.Context) {
	r := c.Request.Clone(c.Request.Context())
	r.Method = http.MethodGet
	r.Header.Set(RequestIDHeader, RequestID(c.Request.Context()))
	e.ServeHTTP(headWriter{c.Writer}, r)
	c.Abort()
}

// headWriter keeps the status and headers of an answer and drops its body.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) { return len(b), nil }

// ValidRequestID reports whether id may be used as a request id: 1 to 128 of
// A-Z a-z 0-9 . _ - (it is echoed in headers, logs and forwarded calls).
func ValidRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch ch := id[i]; {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '.', ch == '_', ch == '-':
		default:
			return false
		}
	}
	return true
}

// NewRequestID returns a new request id: a random UUID (version 4) from the
// runtime's per-thread generator, which takes no lock, where uuid.New reads
// crypto/rand through a pool under one. A request id names a request in
// logs and traces; it is no secret, and guessing it grants nothing.
func NewRequestID() string {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // the RFC 9562 variant
	return u.String()
}

func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if !ValidRequestID(id) {
			id = NewRequestID()
		}
		c.Header(RequestIDHeader, id)
		c.Request = c.Request.WithContext(WithRequestID(c.Request.Context(), id))
		c.Next()
	}
}

func accessLog(log *slog.Logger) gin.HandlerFunc {
	// The line goes to the handler itself, as a record without a source
	// position: the logger would walk the stack for one on every request
	// (runtime.Callers), and the line's time is its end, read once.
	h := log.Handler()
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		// A 5xx is worth a warning; a health probe's answer is not: a service
		// that is starting answers /readyz 503 until its broker or copies are
		// there, and says more than once what it waits for.
		level := slog.LevelDebug
		if c.Writer.Status() >= 500 && !probe(c.Request.URL.Path) {
			level = slog.LevelWarn
		}
		if len(c.Errors) > 0 {
			level = slog.LevelError
		}
		ctx := c.Request.Context()
		if !h.Enabled(ctx, level) {
			return // the line is not written: nothing to build
		}
		end := time.Now()
		r := slog.NewRecord(end, level, "request", 0)
		r.AddAttrs(slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()), slog.Duration("duration", end.Sub(start).Round(time.Microsecond)),
			slog.String("request_id", RequestID(ctx)))
		if len(c.Errors) > 0 {
			r.AddAttrs(slog.String("error", c.Errors.String()))
		}
		_ = h.Handle(ctx, r)
	}
}

// probe reports whether path is a health probe's.
func probe(path string) bool { return path == "/healthz" || path == "/readyz" }

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
