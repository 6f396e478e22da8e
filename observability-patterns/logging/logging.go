// Pattern: Correlated logs. Five processes write their own lines; an order that
// failed somewhere left a line in one of them, and without a shared key no one
// can tell which lines belong to it. Here every line written while a request or
// a message is handled carries the request id (which the gateway gives each
// request, the services pass on in X-Request-ID, and the broker in the
// x-request-id header), the trace and span ids, and the order's id where it is
// known: `bin/lab logs`, jq or a log store then gathers one order's lines.

package logging

import (
	"context"
	"io"
	"log/slog"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"

	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/telemetry"
)

// newLogger is the service's JSON logger: time, level, msg, service, and the
// ids of each line's context. With export set, each line also goes there (the
// OTLP bridge). The access log line of each request (which the services write
// at debug, to keep a plain run quiet) is written at info: one line per
// request and service is what correlating is for. Health probes stay at debug.
func newLogger(w io.Writer, level slog.Level, service string, export slog.Handler) *slog.Logger {
	var h slog.Handler = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	if export != nil {
		h = slog.NewMultiHandler(h, export)
	}
	return slog.New(correlated{h, level}).With("service", service)
}

// correlated adds to each record the ids its context carries, and lets
// through the records at its level or above, and the access log's.
type correlated struct {
	slog.Handler
	level slog.Level
}

func (h correlated) Enabled(ctx context.Context, l slog.Level) bool {
	return (l >= h.level || (l == slog.LevelDebug && h.level <= slog.LevelInfo)) && h.Handler.Enabled(ctx, max(l, h.level))
}

func (h correlated) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.level {
		if !accessLine(r) {
			return nil
		}
		r.Level = slog.LevelInfo
	}
	has := map[string]bool{}
	r.Attrs(func(a slog.Attr) bool { has[a.Key] = true; return true })
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	if id := httpx.RequestID(ctx); id != "" && !has["request_id"] {
		r.AddAttrs(slog.String("request_id", id))
	}
	if id := telemetry.OrderID(ctx); id != "" {
		r.AddAttrs(slog.String("order_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// accessLine reports whether r is the access log's line of a request that is
// not a health probe.
func accessLine(r slog.Record) bool {
	if r.Message != "request" {
		return false
	}
	probe := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "path" {
			p := a.Value.String()
			probe = p == "/healthz" || p == "/readyz" || p == "/metrics"
			return false
		}
		return true
	})
	return !probe
}

func (h correlated) WithAttrs(as []slog.Attr) slog.Handler {
	return correlated{h.Handler.WithAttrs(as), h.level}
}
func (h correlated) WithGroup(n string) slog.Handler {
	return correlated{h.Handler.WithGroup(n), h.level}
}

// orderOfRequest puts the order a request names (its path, its query, the
// caller's baggage) in its context.
func orderOfRequest(c *gin.Context) {
	if id := telemetry.RequestOrderID(c.Request); id != "" {
		c.Request = c.Request.WithContext(telemetry.WithOrderID(c.Request.Context(), id))
	}
	c.Next()
}

// handled puts the order of each event in its handler's context.
func handled(_ string, h messaging.Handler) messaging.Handler {
	return func(ctx context.Context, ev messaging.Event) error {
		if id := telemetry.EventOrderID(ev.Type, ev.Subject, ev.Data); id != "" {
			ctx = telemetry.WithOrderID(ctx, id)
		}
		return h(ctx, ev)
	}
}
