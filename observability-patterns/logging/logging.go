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

// newLogger is the service's JSON logger: time, level, msg, service, and the ids of each line's context.
func newLogger(w io.Writer, level slog.Level, service string) *slog.Logger {
	return slog.New(correlated{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})}).With("service", service)
}

// correlated adds to each record the ids its context carries.
type correlated struct{ slog.Handler }

func (h correlated) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	if id := httpx.RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if id := telemetry.OrderID(ctx); id != "" {
		r.AddAttrs(slog.String("order_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h correlated) WithAttrs(as []slog.Attr) slog.Handler {
	return correlated{h.Handler.WithAttrs(as)}
}
func (h correlated) WithGroup(n string) slog.Handler { return correlated{h.Handler.WithGroup(n)} }

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
