package messaging

import (
	"context"
	"encoding/json"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// propagator carries the W3C trace context (traceparent, tracestate) in message
// headers. It needs no tracer: with OpenTelemetry's default no-op provider only
// a trace context that arrived with a request travels on.
var propagator propagation.TextMapPropagator = propagation.TraceContext{}

// tracerName names the tracer of the consumer spans. The global provider is a
// no-op unless the application configures one, so nothing is exported by default.
const tracerName = "github.com/microservice-patterns/lab/shared/messaging"

// traceHeaders returns the trace context of ctx as JSON, to be kept with an
// outbox row until the relay publishes it; "{}" when ctx carries none.
func traceHeaders(ctx context.Context) string {
	carrier := propagation.MapCarrier{}
	propagator.Inject(ctx, carrier)
	b, _ := json.Marshal(carrier) // a map of strings always encodes
	return string(b)
}

// amqpHeaders turns stored trace headers into AMQP headers.
func amqpHeaders(stored string) amqp.Table {
	var m map[string]string
	if err := json.Unmarshal([]byte(stored), &m); err != nil || len(m) == 0 {
		return nil
	}
	t := make(amqp.Table, len(m))
	for k, v := range m {
		t[k] = v
	}
	return t
}

// tableCarrier reads the trace context from AMQP headers.
type tableCarrier amqp.Table

func (c tableCarrier) Get(key string) string {
	s, _ := c[key].(string)
	return s
}

func (c tableCarrier) Set(key, value string) { c[key] = value }

func (c tableCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// startConsumerSpan continues the trace of a delivery: its handler's ctx holds
// the remote span context, and a consumer span when a tracer provider is set.
func startConsumerSpan(ctx context.Context, headers amqp.Table, queue string, ev Event) (context.Context, trace.Span) {
	ctx = propagator.Extract(ctx, tableCarrier(headers))
	return otel.Tracer(tracerName).Start(ctx, "process "+ev.Type,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "rabbitmq"),
			attribute.String("messaging.destination.name", queue),
			attribute.String("messaging.message.id", ev.ID),
		))
}
