// Package tracing is the distributed-tracing pattern: every service and the
// gateway record OpenTelemetry spans and pass the W3C trace context on, over
// HTTP and through RabbitMQ, so that one order's path through the five
// services is one trace (tracing.go). Compose it with any base: tracing alone
// is rest plus traces; event-notification+tracing follows the order through
// the broker.
package tracing

import (
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/telemetry"
)

// Pattern is distributed tracing, as the lab's catalogue lists it.
var Pattern = app.RegisterPattern(New(), "rest", "grpc")

// New returns the pattern; its options reach every service's providers (a
// test gives the SDK's in-memory exporter with telemetry.WithSpanExporter).
func New(opts ...telemetry.Option) *app.Pattern {
	return &app.Pattern{
		Name:        "tracing",
		Category:    "observability",
		Description: "OpenTelemetry spans follow one order through the gateway, every service and the broker",
		Extend:      func(s app.Scope) (*app.Extension, error) { return extend(s, opts) },
		Companions:  []app.Companion{Viewer},
	}
}

// extend gives the service a tracer provider of its own and puts it in every
// place a request or a message passes: the inbound middleware, each outbound
// call, the relay's publications and the consumer's deliveries.
func extend(s app.Scope, opts []telemetry.Option) (*app.Extension, error) {
	cfg, err := config.LoadTelemetry(s.Env)
	if err != nil {
		return nil, err
	}
	tel, err := telemetry.New(s.Service, cfg, telemetry.Signals{Traces: true}, opts...)
	if err != nil {
		return nil, err
	}
	t := &tracer{service: s.Service, tp: tel.TracerProvider()}
	return &app.Extension{
		Tracing:    t.middleware(),
		Call:       t.call,
		RPC:        t.rpc,
		Messaging:  t.messaging,
		Statements: t.statement,
		Close:      tel.Close,
	}, nil
}
