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
		if p, ok := HeadersTooLarge(c.Request); ok {
			WriteProblem(c, p)
		}
	}
}

// HeadersTooLarge answers the 431 problem of a request whose line and
// headers exceed MaxHeaderBytes, and whether they do.
func HeadersTooLarge(r *http.Request) (Problem, bool) {
	n := len(r.Method) + len(r.RequestURI) + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	if n <= MaxHeaderBytes {
		return Problem{}, false
	}
	return NewProblem(http.StatusRequestHeaderFieldsTooLarge,
		fmt.Sprintf("the request line and headers are larger than %d bytes", MaxHeaderBytes)), true
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

// RequestIDOf is the id of request r: the one its X-Request-Id names when it
// is valid (ValidRequestID), a new one otherwise.
func RequestIDOf(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); ValidRequestID(id) {
		return id
	}
	return NewRequestID()
}

func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := RequestIDOf(c.Request)
		c.Header(RequestIDHeader, id)
		c.Request = c.Request.WithContext(WithRequestID(c.Request.Context(), id))
		c.Next()
	}
}

func accessLog(log *slog.Logger) gin.HandlerFunc {
	// The line goes to the handler itself (AccessRecord).
	h := log.Handler()
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := AccessLevel(c.Writer.Status(), c.Request.URL.Path, len(c.Errors) > 0)
		ctx := c.Request.Context()
		if !h.Enabled(ctx, level) {
			return // the line is not written: nothing to build
		}
		r := AccessRecord(level, c.Request, c.Writer.Status(), start, RequestID(ctx))
		if len(c.Errors) > 0 {
			r.AddAttrs(slog.String("error", c.Errors.String()))
		}
		_ = h.Handle(ctx, r)
	}
}

// AccessLevel is the level of a request's access line: debug, a warning for
// a 5xx, an error when a handler reported one (failed). A health probe's 5xx
// is no warning: a service that is starting answers /readyz 503 until its
// broker or copies are there, and says more than once what it waits for.
func AccessLevel(status int, path string, failed bool) slog.Level {
	switch {
	case failed:
		return slog.LevelError
	case status >= 500 && !probe(path):
		return slog.LevelWarn
	}
	return slog.LevelDebug
}

// AccessRecord is the access line of request r, answered with status, that
// started at start and ends now: its method, path, status, duration and
// request id, as a record without a source position (the logger would walk
// the stack for one on every request) whose time is its end, read once.
// Give it to a handler's Handle.
func AccessRecord(level slog.Level, r *http.Request, status int, start time.Time, id string) slog.Record {
	end := time.Now()
	rec := slog.NewRecord(end, level, "request", 0)
	rec.AddAttrs(slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", status), slog.Duration("duration", end.Sub(start).Round(time.Microsecond)),
		slog.String("request_id", id))
	return rec
}

// StatusWriter keeps the status of an answer written outside gin, for its
// access line: the first final status (a 1xx is not one), 200 if none was
// written.
type StatusWriter struct {
	http.ResponseWriter
	Status  int
	written bool
}

// NewStatusWriter wraps w.
func NewStatusWriter(w http.ResponseWriter) *StatusWriter {
	return &StatusWriter{ResponseWriter: w, Status: http.StatusOK}
}

func (w *StatusWriter) WriteHeader(code int) {
	if !w.written && code >= 200 {
		w.Status, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets an http.ResponseController (a reverse proxy's) reach the
// connection: flushes, write deadlines, upgrades.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// probe reports whether path is a health probe's.
func probe(path string) bool { return path == "/healthz" || path == "/readyz" }

func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				WriteProblem(c, Recovered(log, r, c.Request.URL.Path))
			}
		}()
		c.Next()
	}
}

// Recovered is the answer to a handler's panic with v, recovered while
// serving path: it logs the panic and answers the 500 problem. The panic
// net/http's handlers use to abort an answer (http.ErrAbortHandler) goes on.
func Recovered(log *slog.Logger, v any, path string) Problem {
	if v == http.ErrAbortHandler {
		panic(v)
	}
	log.Error("panic in handler", "panic", v, "path", path)
	return NewProblem(http.StatusInternalServerError, "internal error")
}
