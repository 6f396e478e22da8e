package messaging

import (
	"context"
	"encoding/json"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// propagator carries the W3C trace context (traceparent, tracestate) and
// baggage (the order a request is about) in message headers. It needs no
// tracer: with OpenTelemetry's default no-op provider only a trace context
// that arrived with a request travels on.
var propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(
	propagation.TraceContext{}, propagation.Baggage{})

// HeaderRequestID carries the id of the request that caused an event, so that
// the consumers' log lines name it too.
const HeaderRequestID = "x-request-id"

// tracerName names the tracer of the producer and consumer spans.
const tracerName = "github.com/microservice-patterns/lab/shared/messaging"

// The outcomes of a delivery (Observer.Consumed).
const (
	OutcomeOK           = "ok"            // handled
	OutcomeDuplicate    = "duplicate"     // already in the inbox: acked without effect
	OutcomeRetried      = "retried"       // failed transiently and is tried again (once per retry)
	OutcomeDeadLettered = "dead-lettered" // moved to the dead-letter queue
)

// Observer is told what a relay and a consumer do, for telemetry: an
// observability pattern supplies one through the seam. Every field is optional.
type Observer struct {
	// Tracer makes the producer span of each published event and the consumer
	// span of each delivery. Nil: OpenTelemetry's global provider, a no-op
	// unless the application set one (the trace context travels on either way).
	Tracer trace.TracerProvider
	// SpanAttributes adds attributes of an event to its producer and consumer spans.
	SpanAttributes func(ev Event) []attribute.KeyValue
	// Published is told of each event the broker has confirmed.
	Published func(ctx context.Context, ev Event)
	// Consumed is told of each delivery's outcome (Outcome…).
	Consumed func(ctx context.Context, typ, outcome string)
}

func (o *Observer) tracer() trace.Tracer {
	if o != nil && o.Tracer != nil {
		return o.Tracer.Tracer(tracerName)
	}
	return otel.Tracer(tracerName)
}

func (o *Observer) attributes(ev Event) []attribute.KeyValue {
	if o == nil || o.SpanAttributes == nil {
		return nil
	}
	return o.SpanAttributes(ev)
}

func (o *Observer) published(ctx context.Context, row outboxRow) {
	if o != nil && o.Published != nil {
		ev, err := ParseEvent(row.payload)
		if err != nil {
			ev = Event{ID: row.id, Type: row.typ}
		}
		o.Published(ctx, ev)
	}
}

func (o *Observer) consumed(ctx context.Context, typ, outcome string) {
	if o != nil && o.Consumed != nil {
		o.Consumed(ctx, typ, outcome)
	}
}

// traceHeaders returns the trace context and the request id of ctx as JSON,
// to be kept with an outbox row until the relay publishes it; "{}" when ctx
// carries neither.
func traceHeaders(ctx context.Context) string {
	carrier := propagation.MapCarrier{}
	propagator.Inject(ctx, carrier)
	if id := httpx.RequestID(ctx); id != "" {
		carrier[HeaderRequestID] = id
	}
	b, _ := json.Marshal(carrier) // a map of strings always encodes
	return string(b)
}

// storedHeaders decodes the headers kept with an outbox row.
func storedHeaders(stored string) propagation.MapCarrier {
	var m map[string]string
	if err := json.Unmarshal([]byte(stored), &m); err != nil {
		return propagation.MapCarrier{}
	}
	return m
}

// tableCarrier reads and writes the trace context in AMQP headers.
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

// startProducerSpan starts the span of one publication, a child of the span
// that wrote the outbox row, and returns the AMQP headers that carry it (and
// the request id) to the consumers.
func startProducerSpan(ctx context.Context, o *Observer, exchange string, row outboxRow) (trace.Span, amqp.Table) {
	stored := storedHeaders(row.headers)
	ctx = propagator.Extract(ctx, stored)
	attrs := []attribute.KeyValue{
		attribute.String("messaging.system", "rabbitmq"),
		attribute.String("messaging.operation.type", "publish"),
		attribute.String("messaging.destination.name", exchange),
		attribute.String("messaging.rabbitmq.destination.routing_key", row.typ),
		attribute.String("messaging.message.id", row.id),
	}
	if ev, err := ParseEvent(row.payload); err == nil {
		attrs = append(attrs, o.attributes(ev)...)
	}
	ctx, span := o.tracer().Start(ctx, "publish "+row.typ,
		trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(attrs...))
	headers := amqp.Table{}
	if id := stored[HeaderRequestID]; id != "" {
		headers[HeaderRequestID] = id
	}
	propagator.Inject(ctx, tableCarrier(headers))
	if len(headers) == 0 {
		headers = nil
	}
	return span, headers
}

// startConsumerSpan continues the trace of a delivery: its handler's ctx holds
// the remote span context, the request id, and a consumer span when a tracer
// provider is set.
func startConsumerSpan(ctx context.Context, o *Observer, d amqp.Delivery, queue string, ev Event) (context.Context, trace.Span) {
	ctx = propagator.Extract(ctx, tableCarrier(d.Headers))
	if id, _ := d.Headers[HeaderRequestID].(string); id != "" {
		ctx = httpx.WithRequestID(ctx, id)
	}
	attrs := append([]attribute.KeyValue{
		attribute.String("messaging.system", "rabbitmq"),
		attribute.String("messaging.operation.type", "process"),
		attribute.String("messaging.destination.name", queue),
		attribute.String("messaging.rabbitmq.destination.routing_key", d.RoutingKey),
		attribute.String("messaging.message.id", ev.ID),
	}, o.attributes(ev)...)
	return o.tracer().Start(ctx, "process "+ev.Type,
		trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attrs...))
}

// duplicateKey marks the ctx of one delivery; the flag says that the inbox
// already held the event.
type duplicateKey struct{}

func markDuplicate(ctx context.Context) {
	if dup, ok := ctx.Value(duplicateKey{}).(*bool); ok {
		*dup = true
	}
}
