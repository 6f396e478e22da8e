// Pattern: Metrics (RED). A workshop, or an operator, needs to see a fault's
// effect as it happens — the error rate of one route climbing, one callee
// getting slow, orders no longer completing — not reconstruct it from logs
// afterwards. Each process here keeps counters and histograms of its requests
// (rate, errors, duration), of its calls per callee, of its business events
// and of its messages, and serves them at GET /metrics in the Prometheus text
// format (OpenMetrics, with exemplars naming a trace, when the scraper asks).

package metrics

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/telemetry"
)

// durationBuckets are the bounds, in seconds, of every duration histogram:
// from a millisecond on loopback to the ten seconds of a call's deadline.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// meters are the pattern's instruments at one service.
type meters struct {
	service string
	self    string // the service's own URL, for what is read at scrape time
	meter   metric.Meter
	client  *http.Client

	server, outbound, completion               metric.Float64Histogram
	created, completed, canceled, reservations metric.Int64Counter
	published, consumed                        metric.Int64Counter

	mu      sync.Mutex
	started map[string]time.Time // when each order this process saw created was created
}

func newMeters(service string, tel *telemetry.Telemetry, self string) (*meters, error) {
	m := &meters{service: service, self: self, meter: tel.MeterProvider().Meter("github.com/microservice-patterns/lab/observability-patterns/metrics"),
		client: &http.Client{Timeout: 2 * time.Second}, started: map[string]time.Time{}}
	var errs []error
	hist := func(name, desc string) metric.Float64Histogram {
		h, err := m.meter.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(durationBuckets...))
		errs = append(errs, err)
		return h
	}
	count := func(name, desc string) metric.Int64Counter {
		c, err := m.meter.Int64Counter(name, metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	m.server = hist("http.server.request.duration", "Duration of the requests this process served.")
	m.outbound = hist("http.client.request.duration", "Duration of the calls this process made to another service.")
	m.published = count("lab.messages.published", "Events the broker confirmed, by type.")
	m.consumed = count("lab.messages.consumed", "Deliveries settled, by type and outcome.")
	if service == "ordering" {
		m.created = count("lab.orders.created", "Orders created.")
		m.completed = count("lab.orders.completed", "Orders that reached COMPLETED.")
		m.canceled = count("lab.orders.canceled", "Orders canceled.")
		m.completion = hist("lab.order.completion", "Time from an order's creation to COMPLETED.")
	}
	if service == "warehouse" {
		m.reservations = count("lab.reservations", "Reservations made, by status (RESERVED, REJECTED).")
	}
	errs = append(errs, m.gauges())
	m.zero()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// serve answers GET /metrics from the registry, before any other middleware
// that would count, log or fault it.
func (m *meters) serve(h http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.URL.Path != "/metrics" {
			c.Next()
			return
		}
		if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
			c.AbortWithStatus(http.StatusMethodNotAllowed)
			return
		}
		c.Status(http.StatusOK) // gin has set 404 for a path no route claims
		h.ServeHTTP(c.Writer, c.Request)
		c.Abort()
	}
}

// requests times every request by method, route template and status.
func (m *meters) requests(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", c.Request.Method),
		attribute.Int("http.response.status_code", c.Writer.Status()),
	}
	if route := c.FullPath(); route != "" {
		attrs = append(attrs, attribute.String("http.route", route))
	}
	m.server.Record(c.Request.Context(), time.Since(start).Seconds(), metric.WithAttributes(attrs...))
}

// call times each call to callee by method and status (server.address names
// the callee; error.type a call that got no answer).
func (m *meters) call(callee string, next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := next.RoundTrip(r)
		attrs := []attribute.KeyValue{
			attribute.String("http.request.method", r.Method), attribute.String("server.address", callee),
		}
		if err != nil {
			attrs = append(attrs, attribute.String("error.type", errorType(r.Context(), err)))
		} else {
			attrs = append(attrs, attribute.Int("http.response.status_code", resp.StatusCode))
		}
		m.outbound.Record(r.Context(), time.Since(start).Seconds(), metric.WithAttributes(attrs...))
		return resp, err
	})
}

func errorType(ctx context.Context, err error) string {
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "timeout"
	case ctx.Err() != nil:
		return "canceled"
	}
	return "transport"
}

// messaging counts the service's published events and settled deliveries,
// and its outbox backlog at each scrape.
func (m *meters) messaging(outbox *messaging.Outbox) *messaging.Observer {
	_, err := m.meter.Int64ObservableGauge("lab.outbox.pending",
		metric.WithDescription("Events in the outbox the broker has not confirmed yet."),
		metric.WithInt64Callback(func(ctx context.Context, o metric.Int64Observer) error {
			n, err := outbox.Backlog(ctx)
			if err == nil {
				o.Observe(int64(n))
			}
			return err
		}))
	if err != nil {
		return nil
	}
	return &messaging.Observer{
		Published: func(ctx context.Context, ev messaging.Event) {
			m.published.Add(ctx, 1, metric.WithAttributes(attribute.String("type", ev.Type)))
			m.publishedEvent(ctx, ev)
		},
		Consumed: func(ctx context.Context, typ, outcome string) {
			m.consumed.Add(ctx, 1, metric.WithAttributes(attribute.String("type", typ), attribute.String("outcome", outcome)))
		},
	}
}

// zero makes the business counters' series exist from the start, so that a
// rate over them is defined before the first order.
func (m *meters) zero() {
	ctx := context.Background()
	for _, c := range []metric.Int64Counter{m.created, m.completed, m.canceled} {
		if c != nil {
			c.Add(ctx, 0)
		}
	}
	if m.reservations != nil {
		for _, s := range []string{"RESERVED", "REJECTED"} {
			m.reservations.Add(ctx, 0, metric.WithAttributes(attribute.String("status", s)))
		}
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
