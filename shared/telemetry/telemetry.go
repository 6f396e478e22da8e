// Package telemetry builds one process's OpenTelemetry providers — traces,
// metrics and logs — from the standard OTEL_* settings (config.Telemetry).
// Every provider is a no-op unless the pattern that asks for it turns its
// signal on (Signals), so a variant without an observability pattern records
// nothing and pays nothing. Nothing here touches OpenTelemetry's global
// providers or Prometheus's default registry: five services share one test
// process, and each one gets providers, and a registry, of its own.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	otellog "go.opentelemetry.io/otel/log"
	lognoop "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/microservice-patterns/lab/shared/config"
)

// Signals says which providers a pattern turns on.
type Signals struct {
	Traces  bool // a recording tracer provider, exporting over OTLP when an endpoint is set
	Metrics bool // a meter provider read by a Prometheus registry of the process's own (Handler)
	Logs    bool // a logger provider exporting over OTLP when an endpoint is set
}

// Option changes what New builds (tests).
type Option func(*options)

type options struct {
	spans sdktrace.SpanExporter
}

// WithSpanExporter sends every span, as it ends, to e as well (the SDK's
// in-memory exporter in tests).
func WithSpanExporter(e sdktrace.SpanExporter) Option { return func(o *options) { o.spans = e } }

// Telemetry is one process's providers. The zero of each signal is a no-op.
type Telemetry struct {
	Service  string
	tracer   trace.TracerProvider
	meter    metric.MeterProvider
	logger   otellog.LoggerProvider
	registry *prometheus.Registry
	closers  []func(context.Context) error
}

// Propagator is the W3C trace context and baggage, the one propagation of the lab.
var Propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(
	propagation.TraceContext{}, propagation.Baggage{})

// New builds the providers of the service (its service.name, unless
// OTEL_SERVICE_NAME names another) for the signals asked.
func New(service string, cfg config.Telemetry, on Signals, opts ...Option) (*Telemetry, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	t := &Telemetry{Service: service, tracer: tracenoop.NewTracerProvider(),
		meter: metricnoop.NewMeterProvider(), logger: lognoop.NewLoggerProvider()}
	if cfg.Disabled {
		return t, nil
	}
	res := Resource(service, cfg)
	if on.Traces {
		if err := t.traces(cfg, res, o); err != nil {
			return nil, err
		}
	}
	if on.Metrics {
		if err := t.metrics(res); err != nil {
			t.Close()
			return nil, err
		}
	}
	if on.Logs {
		if err := t.logs(cfg, res); err != nil {
			t.Close()
			return nil, err
		}
	}
	return t, nil
}

// Resource describes the process: service.name, then OTEL_RESOURCE_ATTRIBUTES.
func Resource(service string, cfg config.Telemetry) *resource.Resource {
	if cfg.ServiceName != "" {
		service = cfg.ServiceName
	}
	attrs := []attribute.KeyValue{semconv.ServiceName(service), semconv.ServiceNamespace("lab")}
	for k, v := range cfg.Resource {
		if k != string(semconv.ServiceNameKey) {
			attrs = append(attrs, attribute.String(k, v))
		}
	}
	return resource.NewWithAttributes(semconv.SchemaURL, attrs...)
}

func (t *Telemetry) traces(cfg config.Telemetry, res *resource.Resource, o options) error {
	popts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithSampler(Sampler(cfg))}
	if cfg.TracesURL != "" && cfg.TracesExporter == "otlp" {
		e, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(cfg.TracesURL),
			otlptracehttp.WithHeaders(cfg.Headers))
		if err != nil {
			return fmt.Errorf("telemetry: OTLP trace exporter for %s: %w", cfg.TracesURL, err)
		}
		popts = append(popts, sdktrace.WithBatcher(e))
	}
	if o.spans != nil {
		popts = append(popts, sdktrace.WithSyncer(o.spans))
	}
	tp := sdktrace.NewTracerProvider(popts...)
	t.tracer = tp
	t.closers = append(t.closers, tp.Shutdown)
	return nil
}

// Sampler is the sampler OTEL_TRACES_SAMPLER names.
func Sampler(cfg config.Telemetry) sdktrace.Sampler {
	switch cfg.Sampler {
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(cfg.SamplerArg)
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SamplerArg))
	}
	return sdktrace.ParentBased(sdktrace.AlwaysSample())
}

func (t *Telemetry) metrics(res *resource.Resource) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	e, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return fmt.Errorf("telemetry: Prometheus exporter: %w", err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(e))
	t.meter, t.registry = mp, reg
	t.closers = append(t.closers, mp.Shutdown)
	return nil
}

func (t *Telemetry) logs(cfg config.Telemetry, res *resource.Resource) error {
	if cfg.LogsURL == "" || cfg.LogsExporter != "otlp" {
		return nil // the JSON lines on stderr are the logs; nothing to export
	}
	e, err := otlploghttp.New(context.Background(), otlploghttp.WithEndpointURL(cfg.LogsURL),
		otlploghttp.WithHeaders(cfg.Headers))
	if err != nil {
		return fmt.Errorf("telemetry: OTLP log exporter for %s: %w", cfg.LogsURL, err)
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewBatchProcessor(e)))
	t.logger = lp
	t.closers = append(t.closers, lp.Shutdown)
	return nil
}

// TracerProvider returns the process's tracer provider (a no-op unless traces are on).
func (t *Telemetry) TracerProvider() trace.TracerProvider { return t.tracer }

// MeterProvider returns the process's meter provider (a no-op unless metrics are on).
func (t *Telemetry) MeterProvider() metric.MeterProvider { return t.meter }

// LoggerProvider returns the process's logger provider (a no-op unless logs are
// on and an endpoint is set).
func (t *Telemetry) LoggerProvider() otellog.LoggerProvider { return t.logger }

// Exporting reports whether log records leave the process over OTLP.
func (t *Telemetry) Exporting() bool {
	_, ok := t.logger.(*sdklog.LoggerProvider)
	return ok
}

// Handler serves the process's metrics in the Prometheus text format, or in
// OpenMetrics, with exemplars, to a scraper that asks for it. Without metrics
// it answers 404.
func (t *Telemetry) Handler() http.Handler {
	if t.registry == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Close flushes what is buffered and shuts the providers down, within 5 s.
func (t *Telemetry) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for i := len(t.closers) - 1; i >= 0; i-- {
		errs = append(errs, t.closers[i](ctx))
	}
	t.closers = nil
	return errors.Join(errs...)
}
