package tracing

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	eventnotification "github.com/microservice-patterns/lab/communication-patterns/event-notification"
	grpcbase "github.com/microservice-patterns/lab/communication-patterns/grpc"
	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/telemetry"
	"github.com/microservice-patterns/lab/shared/telemetry/telemetrytest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// traced starts base plus tracing whose spans all go to one in-memory exporter.
func traced(t *testing.T, base *app.Base) (*tracetest.InMemoryExporter, string) {
	exp := tracetest.NewInMemoryExporter()
	st := telemetrytest.Start(t, app.MustCompose(base, New(telemetry.WithSpanExporter(exp))), nil)
	return exp, st.URL
}

// traceOf returns the spans of the trace whose traceparent the gateway answered with.
func traceOf(t *testing.T, exp *tracetest.InMemoryExporter, h http.Header) (trace.TraceID, []sdktrace.ReadOnlySpan) {
	t.Helper()
	parts := strings.Split(h.Get(TraceparentHeader), "-")
	if len(parts) != 4 {
		t.Fatalf("traceparent %q: want version-traceid-spanid-flags", h.Get(TraceparentHeader))
	}
	id, err := trace.TraceIDFromHex(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var out []sdktrace.ReadOnlySpan
	for _, s := range exp.GetSpans().Snapshots() {
		if s.SpanContext().TraceID() == id {
			out = append(out, s)
		}
	}
	return id, out
}

func service(s sdktrace.ReadOnlySpan) string {
	for _, kv := range s.Resource().Attributes() {
		if kv.Key == "service.name" {
			return kv.Value.AsString()
		}
	}
	return ""
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

// services lists the services that have a span in spans, sorted.
func services(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		if n := service(s); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func find(spans []sdktrace.ReadOnlySpan, match func(sdktrace.ReadOnlySpan) bool) sdktrace.ReadOnlySpan {
	for _, s := range spans {
		if match(s) {
			return s
		}
	}
	return nil
}

// TestRestConfirmIsOneTrace: in rest, one confirm is one trace that holds
// spans of the gateway and of all five services, rooted at the gateway, with
// the attributes CONTRACT.md names.
func TestRestConfirmIsOneTrace(t *testing.T) {
	exp, gw := traced(t, rest.Base)
	o := telemetrytest.PlaceOrder(t, gw)
	_, spans := traceOf(t, exp, o.Confirm)
	telemetrytest.FromEveryProcess(t, "the spans of the confirm's trace", services(spans))
	root := find(spans, func(s sdktrace.ReadOnlySpan) bool { return !s.Parent().IsValid() })
	if root == nil || service(root) != "gateway" || root.SpanKind() != trace.SpanKindServer {
		t.Fatalf("root span %v: want the gateway's server span", root)
	}
	if root.Name() != "POST /api/orders/*rest" {
		t.Errorf("gateway span %q: want {method} {route template}", root.Name())
	}
	server := find(spans, func(s sdktrace.ReadOnlySpan) bool {
		return service(s) == "ordering" && s.SpanKind() == trace.SpanKindServer && attr(s, "http.request.method") == "POST"
	})
	if server == nil {
		t.Fatal("no server span at ordering")
	}
	want := map[string]string{"http.request.method": "POST", "http.route": "/api/orders/:orderId/confirm",
		"http.response.status_code": "200", telemetry.OrderKey: o.ID}
	for k, v := range want {
		if got := attr(server, k); got != v {
			t.Errorf("ordering's server span %s = %q, want %q", k, got, v)
		}
	}
	if server.Name() != "POST /api/orders/:orderId/confirm" {
		t.Errorf("ordering's server span is named %q", server.Name())
	}
	for _, callee := range []string{"warehouse", "shipping", "billing"} {
		c := find(spans, func(s sdktrace.ReadOnlySpan) bool {
			return service(s) == "ordering" && s.SpanKind() == trace.SpanKindClient && attr(s, "server.address") == callee
		})
		if c == nil {
			t.Errorf("no client span from ordering with server.address = %s", callee)
			continue
		}
		if attr(c, telemetry.OrderKey) != o.ID || attr(c, "http.response.status_code") == "" {
			t.Errorf("client span to %s: lab.order_id %q, status %q", callee, attr(c, telemetry.OrderKey),
				attr(c, "http.response.status_code"))
		}
	}
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindServer && service(s) != "customers" && attr(s, telemetry.OrderKey) != o.ID {
			t.Errorf("%s's span %q does not name the order", service(s), s.Name())
		}
	}
}

// TestGrpcConfirmIsOneTrace: in grpc, one confirm is one trace across the
// gateway and the five services: ordering's gRPC calls are client spans of
// otelgrpc, each callee's method a server span of it, under ordering's HTTP
// server span.
func TestGrpcConfirmIsOneTrace(t *testing.T) {
	exp, gw := traced(t, grpcbase.Base)
	o := telemetrytest.PlaceOrder(t, gw)
	_, spans := traceOf(t, exp, o.Confirm)
	telemetrytest.FromEveryProcess(t, "the spans of the confirm's trace", services(spans))
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = s
	}
	for _, m := range []struct{ caller, callee, method string }{
		{"ordering", "warehouse", "lab.v1.Warehouse/ConfirmReservation"},
		{"ordering", "shipping", "lab.v1.Shipping/CreateShipment"},
		{"ordering", "billing", "lab.v1.Billing/IssueInvoice"},
		{"shipping", "ordering", "lab.v1.Ordering/GetOrder"},
		{"billing", "customers", "lab.v1.Customers/GetCustomer"},
	} {
		server := find(spans, func(s sdktrace.ReadOnlySpan) bool {
			client := byID[s.Parent().SpanID()]
			return service(s) == m.callee && s.SpanKind() == trace.SpanKindServer && s.Name() == m.method &&
				client != nil && service(client) == m.caller && client.SpanKind() == trace.SpanKindClient && client.Name() == m.method
		})
		if server == nil {
			t.Errorf("no server span %s at %s whose parent is %s's client span of the call", m.method, m.callee, m.caller)
			continue
		}
		if got := attr(server, "rpc.system.name") + attr(server, "rpc.system"); got != "grpc" {
			t.Errorf("%s: rpc.system %q, want grpc", m.method, got)
		}
	}
}

// TestProblemCarriesTraceID: the gateway's answer names its trace, and a
// problem document carries the same id.
func TestProblemCarriesTraceID(t *testing.T) {
	exp, gw := traced(t, rest.Base)
	var p struct {
		Status  int    `json:"status"`
		TraceID string `json:"traceId"`
	}
	h := telemetrytest.Do(t, "GET", gw+"/api/orders/"+domain.NewID(), "", http.StatusNotFound, &p)
	id, spans := traceOf(t, exp, h)
	if p.TraceID != id.String() {
		t.Fatalf("problem traceId %q, traceparent names %s", p.TraceID, id)
	}
	if got := services(spans); !slices.Equal(got, []string{"gateway", "ordering"}) {
		t.Errorf("spans of %v, want the gateway's and ordering's", got)
	}
	// A client's own trace context is not taken up: the gateway starts the trace.
	req, _ := http.NewRequest("GET", gw+"/api/customers", nil)
	req.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get(TraceparentHeader); got == "" || strings.Contains(got, "0af7651916cd43dd8448eb211c80319c") {
		t.Errorf("traceparent %q: want a trace of the gateway's own", got)
	}
}

// TestEventNotificationTraceCrossesTheBroker: in event notification the
// order's trace goes on through RabbitMQ, from ordering's confirm to shipping
// and billing: a producer span per publication, a consumer span per delivery.
func TestEventNotificationTraceCrossesTheBroker(t *testing.T) {
	exp, gw := traced(t, eventnotification.Base)
	o := telemetrytest.PlaceOrder(t, gw)
	// A publication's span ends when the broker confirms it, which may come
	// after its consumers are done: wait until each consumer's parent is in.
	var spans []sdktrace.ReadOnlySpan
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, spans = traceOf(t, exp, o.Confirm)
		if consumersParented(spans) || time.Now().After(deadline) {
			break
		}
	}
	if got := services(spans); !slices.Contains(got, "shipping") || !slices.Contains(got, "billing") {
		t.Fatalf("the confirm's trace has spans of %v, want shipping and billing among them", got)
	}
	pub := find(spans, func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "publish order.confirmed" })
	if pub == nil || pub.SpanKind() != trace.SpanKindProducer || service(pub) != "ordering" {
		t.Fatalf("producer span of order.confirmed: %v", pub)
	}
	for k, v := range map[string]string{"messaging.system": "rabbitmq", "messaging.operation.type": "publish",
		"messaging.rabbitmq.destination.routing_key": "order.confirmed", telemetry.OrderKey: o.ID} {
		if got := attr(pub, k); got != v {
			t.Errorf("producer span %s = %q, want %q", k, got, v)
		}
	}
	consumers := 0
	for _, s := range spans {
		if s.SpanKind() != trace.SpanKindConsumer {
			continue
		}
		consumers++
		parent := find(spans, func(p sdktrace.ReadOnlySpan) bool { return p.SpanContext().SpanID() == s.Parent().SpanID() })
		if parent == nil || parent.SpanKind() != trace.SpanKindProducer {
			t.Errorf("consumer span %q at %s: want a producer span as its parent", s.Name(), service(s))
		}
		if attr(s, "messaging.operation.type") != "process" || attr(s, "messaging.message.id") == "" ||
			attr(s, "messaging.destination.name") == "" {
			t.Errorf("consumer span %q: attributes %v", s.Name(), s.Attributes())
		}
		if attr(s, telemetry.OrderKey) != o.ID {
			t.Errorf("consumer span %q at %s does not name the order", s.Name(), service(s))
		}
	}
	if consumers == 0 {
		t.Fatal("no consumer span in the trace")
	}
}

// consumersParented reports whether every consumer span's parent is among spans.
func consumersParented(spans []sdktrace.ReadOnlySpan) bool {
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindConsumer &&
			find(spans, func(p sdktrace.ReadOnlySpan) bool { return p.SpanContext().SpanID() == s.Parent().SpanID() }) == nil {
			return false
		}
	}
	return true
}

// TestDatabaseSpans: the statements a traced request runs are client spans
// of its trace (db.system.name, db.operation.name, the order), ordering's
// commit among them; statements outside any request make no span at all.
func TestDatabaseSpans(t *testing.T) {
	exp, gw := traced(t, rest.Base)
	o := telemetrytest.PlaceOrder(t, gw)
	_, spans := traceOf(t, exp, o.Confirm)
	byService := map[string]int{}
	commit := false
	for _, s := range spans {
		if attr(s, "db.system.name") == "" {
			continue
		}
		byService[service(s)]++
		if s.SpanKind() != trace.SpanKindClient || !s.Parent().IsValid() || attr(s, "db.namespace") != service(s) {
			t.Errorf("database span %q of %s: kind %v, parent %v, namespace %q", s.Name(), service(s), s.SpanKind(),
				s.Parent().IsValid(), attr(s, "db.namespace"))
		}
		if attr(s, "db.system.name") != "sqlite" || attr(s, "db.operation.name") == "" || attr(s, "db.query.text") == "" {
			t.Errorf("database span %q: system %q, operation %q", s.Name(), attr(s, "db.system.name"), attr(s, "db.operation.name"))
		}
		commit = commit || (service(s) == "ordering" && s.Name() == "COMMIT ordering" && attr(s, telemetry.OrderKey) == o.ID)
	}
	for _, svc := range []string{"ordering", "warehouse", "shipping", "billing"} {
		if byService[svc] == 0 {
			t.Errorf("no database span of %s in the confirm's trace (%v)", svc, byService)
		}
	}
	if !commit {
		t.Error("no COMMIT span of ordering naming the order")
	}
	for _, s := range exp.GetSpans().Snapshots() {
		if attr(s, "db.system.name") != "" && !s.Parent().IsValid() {
			t.Errorf("a database span outside any trace: %q of %s", s.Name(), service(s))
		}
	}
}
