// Pattern: Distributed tracing. A request that crosses five services fails or
// slows down somewhere, and no one service's log says where. Each process here
// records a span for each request it serves, each call it makes, each event it
// publishes and each delivery it handles; the W3C trace context (traceparent)
// travels with every call and every message, so the spans join into one tree
// per request: one trace per order, from the gateway to billing.

package tracing

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/stats"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/telemetry"
)

// scope names the tracer of the pattern's own spans.
const scope = "github.com/microservice-patterns/lab/observability-patterns/tracing"

// TraceparentHeader is the W3C header the gateway answers every request with.
const TraceparentHeader = "traceparent"

// tracer is the pattern at one service.
type tracer struct {
	service string
	tp      trace.TracerProvider
}

// middleware is the service's server span and what follows it. The gateway
// is where a trace starts: it takes no trace context from outside (a client
// cannot graft the lab's spans onto a trace of its own, nor send baggage
// through), and it answers every request with the traceparent of its span,
// so a client, the UI or a person reading an error can find the trace.
func (t *tracer) middleware() []gin.HandlerFunc {
	var prop propagation.TextMapPropagator = telemetry.Propagator
	if t.service == "gateway" {
		prop = propagation.NewCompositeTextMapPropagator() // extracts nothing: every trace starts here
	}
	server := otelgin.Middleware(t.service,
		otelgin.WithTracerProvider(t.tp), otelgin.WithPropagators(prop),
		otelgin.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelgin.WithSpanNameFormatter(spanName), otelgin.WithFilter(notGRPC))
	out := []gin.HandlerFunc{server, orderOfRequest}
	if t.service == "gateway" {
		out = []gin.HandlerFunc{dropIncoming, server, answerTraceparent, orderOfRequest}
	}
	return out
}

// notGRPC leaves a gRPC call to the span of otelgrpc's server handler (rpc),
// which names it by its method: the grpc base serves its calls on the
// service's HTTP port, through this middleware.
func notGRPC(r *http.Request) bool {
	return !strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc")
}

// rpc is the pattern in a base whose services call each other over gRPC
// (grpc): otelgrpc's stats handlers record a client span for each call the
// service makes and a server span for each it serves, and carry the trace
// context and the baggage in the call's metadata.
func (t *tracer) rpc() (client, server stats.Handler) {
	opts := []otelgrpc.Option{otelgrpc.WithTracerProvider(t.tp), otelgrpc.WithPropagators(telemetry.Propagator),
		otelgrpc.WithMeterProvider(metricnoop.NewMeterProvider())}
	return otelgrpc.NewClientHandler(opts...), otelgrpc.NewServerHandler(opts...)
}

// spanName is a server span's name: {method} {route template}, or the method
// alone for a path no route matches.
func spanName(c *gin.Context) string {
	if route := c.FullPath(); route != "" {
		return c.Request.Method + " " + route
	}
	return c.Request.Method
}

// dropIncoming removes a client's trace context and baggage at the gateway.
func dropIncoming(c *gin.Context) {
	for _, h := range []string{"traceparent", "tracestate", "baggage"} {
		c.Request.Header.Del(h)
	}
	c.Next()
}

// answerTraceparent sets the traceparent of the gateway's span on its answer.
func answerTraceparent(c *gin.Context) {
	propagation.TraceContext{}.Inject(c.Request.Context(), propagation.HeaderCarrier(c.Writer.Header()))
	c.Next()
}

// orderOfRequest names the order a request is about on its span (lab.order_id)
// and in its baggage, which every call it makes carries on: from its path, its
// query, the caller's baggage, or, for the request that creates it, the
// Location of the answer.
func orderOfRequest(c *gin.Context) {
	span := trace.SpanFromContext(c.Request.Context())
	id := telemetry.RequestOrderID(c.Request)
	if id != "" {
		span.SetAttributes(attribute.String(telemetry.OrderKey, id))
		c.Request = c.Request.WithContext(telemetry.WithOrderID(c.Request.Context(), id))
	}
	c.Next()
	if id == "" {
		if id = telemetry.PathOrderID(c.Writer.Header().Get("Location")); id != "" {
			span.SetAttributes(attribute.String(telemetry.OrderKey, id))
		}
	}
}

// call wraps the transport of the service's calls to callee in a client span
// that names the callee (server.address) and the order, and carries the trace
// context and the baggage to it.
func (t *tracer) call(callee string, next http.RoundTripper) http.RoundTripper {
	named := roundTripper(func(r *http.Request) (*http.Response, error) {
		span := trace.SpanFromContext(r.Context())
		span.SetAttributes(semconv.ServerAddress(callee))
		if id := telemetry.RequestOrderID(r); id != "" {
			span.SetAttributes(attribute.String(telemetry.OrderKey, id))
		}
		return next.RoundTrip(r)
	})
	return otelhttp.NewTransport(named,
		otelhttp.WithTracerProvider(t.tp), otelhttp.WithPropagators(telemetry.Propagator),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + callee }))
}

// messaging traces the relay's publications and the consumer's deliveries
// with the service's provider, each span naming the order of its event.
func (t *tracer) messaging(*messaging.Outbox) *messaging.Observer {
	return &messaging.Observer{Tracer: t.tp, SpanAttributes: func(ev messaging.Event) []attribute.KeyValue {
		if id := telemetry.EventOrderID(ev.Type, ev.Subject, ev.Data); id != "" {
			return []attribute.KeyValue{attribute.String(telemetry.OrderKey, id)}
		}
		return nil
	}}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// statement is a client span for one statement of the service's database,
// named after its operation (SELECT, INSERT …, COMMIT), with the system and
// the text (placeholders only: no values are recorded). A statement run
// outside a trace — the relay's polling, a periodic repair — makes no span:
// it would be a trace of its own every few milliseconds.
func (t *tracer) statement(ctx context.Context, system, text string) (context.Context, func(error)) {
	if !trace.SpanContextFromContext(ctx).IsSampled() {
		return ctx, func(error) {}
	}
	op, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	op = strings.ToUpper(op)
	attrs := []attribute.KeyValue{semconv.DBSystemNameKey.String(system), semconv.DBNamespace(t.service),
		semconv.DBOperationName(op), semconv.DBQueryText(text)}
	if id := telemetry.OrderID(ctx); id != "" {
		attrs = append(attrs, attribute.String(telemetry.OrderKey, id))
	}
	ctx, span := t.tp.Tracer(scope).Start(ctx, op+" "+t.service, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	return ctx, func(err error) {
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			span.RecordError(err)
			span.SetStatus(codes.Error, "statement failed")
		}
		span.End()
	}
}
