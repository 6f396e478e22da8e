package metrics

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	eventnotification "github.com/microservice-patterns/lab/communication-patterns/event-notification"
	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/observability-patterns/tracing"
	circuitbreaker "github.com/microservice-patterns/lab/reliability-patterns/circuit-breaker"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/telemetry/telemetrytest"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// scrape reads one process's /metrics and checks it with promtool.
func scrape(t *testing.T, base string) string {
	t.Helper()
	body, h := telemetrytest.Get(t, base+"/metrics", nil)
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("%s/metrics: Content-Type %q, want the Prometheus text format", base, ct)
	}
	promtool(t, body)
	return body
}

// promtool runs `promtool check metrics` on a scrape: it must find no problem.
func promtool(t *testing.T, body string) {
	t.Helper()
	cmd := exec.Command(testenv.Program(t, "promtool", "apt-get install prometheus"), "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out.String())
	}
}

// value returns the value of the sample whose name and labels match (labels
// as they appear between the braces, in any order), summed over the series.
func value(body, name string, labels ...string) float64 {
	sum := 0.0
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `(\{[^}]*\})? (\S+)`)
	for _, line := range strings.Split(body, "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(m[1], l)
		}
		if ok {
			v, _ := strconv.ParseFloat(m[2], 64)
			sum += v
		}
	}
	return sum
}

func want(t *testing.T, body, service, name string, min float64, labels ...string) {
	t.Helper()
	if got := value(body, name, labels...); got < min {
		t.Errorf("%s: %s%v = %v, want at least %v", service, name, labels, got, min)
	}
}

// TestRestCounters: after one order in rest, every process serves the RED
// histograms with the CONTRACT's labels, and the business counters count it.
func TestRestCounters(t *testing.T) {
	st := telemetrytest.Start(t, app.MustCompose(rest.Base, Pattern), nil)
	telemetrytest.PlaceOrder(t, st.URL)
	gw := scrape(t, st.URL)
	want(t, gw, "gateway", "http_server_request_duration_seconds_count", 1,
		`http_request_method="POST"`, `http_route="/api/orders/*rest"`, `http_response_status_code="200"`)
	want(t, gw, "gateway", "http_client_request_duration_seconds_count", 1, `server_address="ordering"`)
	m := map[string]string{}
	for name, u := range st.Services {
		m[name] = scrape(t, u)
	}
	o, w := m["ordering"], m["warehouse"]
	want(t, o, "ordering", "http_server_request_duration_seconds_count", 1,
		`http_route="/api/orders/:orderId/confirm"`, `http_response_status_code="200"`)
	for _, callee := range []string{"customers", "warehouse", "shipping", "billing"} {
		want(t, o, "ordering", "http_client_request_duration_seconds_count", 1, `server_address="`+callee+`"`,
			`http_response_status_code="`)
	}
	want(t, o, "ordering", "lab_orders_created_total", 1)
	want(t, o, "ordering", "lab_orders_completed_total", 1)
	want(t, o, "ordering", "lab_order_completion_seconds_count", 1)
	if !strings.Contains(o, "lab_orders_canceled_total") {
		t.Error("ordering: no lab_orders_canceled_total")
	}
	want(t, w, "warehouse", "lab_reservations_total", 1, `status="RESERVED"`)
	want(t, w, "warehouse", "lab_product_stock", 1, `code="`)
	if strings.Contains(o, "lab_breaker_state{") {
		t.Error("ordering has breaker states without a circuit breaker")
	}
}

// TestEventNotificationCounters: over RabbitMQ, the publishers count their
// events and their outbox, the consumers their deliveries by outcome.
func TestEventNotificationCounters(t *testing.T) {
	st := telemetrytest.Start(t, app.MustCompose(eventnotification.Base, Pattern), nil)
	telemetrytest.PlaceOrder(t, st.URL)
	// Ordering counts a completion when the broker confirms its
	// order.completed event, and a consumer a delivery once it is settled:
	// either may come just after the order reads COMPLETED. Wait for them
	// (10 s at most); the checks below then say what is missing.
	counted := func() bool {
		if o, _ := telemetrytest.Get(t, st.Services["ordering"]+"/metrics", nil); value(o, "lab_orders_completed_total") < 1 {
			return false
		}
		for _, s := range []string{"warehouse", "shipping", "billing"} {
			if b, _ := telemetrytest.Get(t, st.Services[s]+"/metrics", nil); value(b, "lab_messages_consumed_total", `outcome="ok"`) < 1 {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(10 * time.Second); !counted() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	o, w := scrape(t, st.Services["ordering"]), scrape(t, st.Services["warehouse"])
	want(t, o, "ordering", "lab_orders_created_total", 1)
	want(t, o, "ordering", "lab_orders_completed_total", 1)
	want(t, o, "ordering", "lab_order_completion_seconds_count", 1)
	want(t, o, "ordering", "lab_messages_published_total", 1, `type="order.confirmed"`)
	want(t, w, "warehouse", "lab_messages_consumed_total", 1, `type="order.confirmed"`, `outcome="ok"`)
	if !strings.Contains(o, "lab_outbox_pending ") {
		t.Error("ordering: no lab_outbox_pending")
	}
	for _, s := range []string{"shipping", "billing"} {
		want(t, scrape(t, st.Services[s]), s, "lab_messages_consumed_total", 1, `outcome="ok"`)
	}
}

// TestBreakerStateAndExemplars: composed with the circuit breaker, ordering
// shows each breaker's state; with tracing, an OpenMetrics scrape carries
// exemplars that name a trace.
func TestBreakerStateAndExemplars(t *testing.T) {
	st := telemetrytest.Start(t, app.MustCompose(rest.Base, tracing.Pattern, circuitbreaker.Pattern, Pattern), nil)
	telemetrytest.PlaceOrder(t, st.URL)
	o := scrape(t, st.Services["ordering"])
	for _, callee := range []string{"warehouse", "shipping", "billing"} {
		if !strings.Contains(o, fmt.Sprintf(`lab_breaker_state{callee=%q} 0`, callee)) {
			t.Errorf("ordering: no closed lab_breaker_state for %s", callee)
		}
	}
	body, h := telemetrytest.Get(t, st.Services["ordering"]+"/metrics",
		map[string]string{"Accept": "application/openmetrics-text;version=1.0.0"})
	if !strings.HasPrefix(h.Get("Content-Type"), "application/openmetrics-text") {
		t.Fatalf("Content-Type %q, want OpenMetrics", h.Get("Content-Type"))
	}
	if !regexp.MustCompile(`http_server_request_duration_seconds_bucket\{[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}"`).MatchString(body) {
		t.Error("no exemplar with a trace id on http_server_request_duration_seconds")
	}
}
