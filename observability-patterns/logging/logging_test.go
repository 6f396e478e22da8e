package logging

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	eventnotification "github.com/microservice-patterns/lab/communication-patterns/event-notification"
	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/observability-patterns/tracing"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/telemetry/telemetrytest"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// lines is a log sink that many goroutines write to.
type lines struct{ testenv.Buffer }

// of returns the decoded lines whose request_id is id.
func (l *lines) of(t *testing.T, id string) []map[string]any {
	var out []map[string]any
	for _, s := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("not a JSON line: %q", s)
		}
		if m["request_id"] == id {
			out = append(out, m)
		}
	}
	return out
}

func start(t *testing.T, base *app.Base) (*lines, string) {
	l := &lines{}
	v := app.MustCompose(base, tracing.Pattern, New(l))
	st := telemetrytest.Start(t, v, map[string]string{"LOG_LEVEL": "debug"})
	return l, st.URL
}

// TestRestLinesCorrelate: every process writes the confirm's lines with its
// request id, its trace id and the order's id.
func TestRestLinesCorrelate(t *testing.T) {
	l, gw := start(t, rest.Base)
	o := telemetrytest.PlaceOrder(t, gw)
	rid := o.Confirm.Get("X-Request-ID")
	traceID := strings.Split(o.Confirm.Get("traceparent"), "-")[1]
	var services []string
	for _, m := range l.of(t, rid) {
		for _, k := range []string{"time", "level", "msg", "service", "span_id"} {
			if m[k] == nil || m[k] == "" {
				t.Errorf("line %v has no %s", m, k)
			}
		}
		if m["trace_id"] != traceID || m["order_id"] != o.ID {
			t.Errorf("line %v: want trace_id %s and order_id %s", m, traceID, o.ID)
		}
		s, _ := m["service"].(string)
		services = append(services, s)
	}
	telemetrytest.FromEveryProcess(t, "the confirm's lines", services)
}

// TestEventNotificationRequestIDCrossesTheBroker: the consumers' calls back
// to ordering, made while handling the confirm's events, carry the confirm's
// request id, which only the message headers can have brought them.
func TestEventNotificationRequestIDCrossesTheBroker(t *testing.T) {
	l, gw := start(t, eventnotification.Base)
	o := telemetrytest.PlaceOrder(t, gw)
	rid := o.Confirm.Get("X-Request-ID")
	callbacks := 0
	for _, m := range l.of(t, rid) {
		if m["msg"] == "request" && m["method"] == http.MethodGet && m["service"] != "gateway" {
			callbacks++
			if m["order_id"] != o.ID || m["trace_id"] == nil {
				t.Errorf("callback line %v: want order_id %s and a trace_id", m, o.ID)
			}
		}
	}
	if callbacks == 0 {
		t.Fatal("no line of a call made while handling the confirm's events carries its request id")
	}
}

// TestLinesExportedOverOTLP: with an OTLP endpoint set, the lines also leave
// each process as log records (with the order's id among their attributes),
// and the JSON lines are still written.
func TestLinesExportedOverOTLP(t *testing.T) {
	otlp := telemetrytest.NewReceiver(t)
	l := &lines{}
	st := telemetrytest.Start(t, app.MustCompose(rest.Base, tracing.Pattern, New(l)),
		map[string]string{"LOG_LEVEL": "debug", "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.URL})
	o := telemetrytest.PlaceOrder(t, st.URL)
	for deadline := time.Now().Add(20 * time.Second); !otlp.Has("/v1/logs", o.ID, "ordering") && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if !otlp.Has("/v1/logs", o.ID, "ordering") {
		t.Fatalf("no log record of ordering names order %s (%d bodies posted)", o.ID, otlp.Posts("/v1/logs"))
	}
	if len(l.of(t, o.Confirm.Get("X-Request-ID"))) == 0 {
		t.Error("no JSON line of the confirm was written beside the export")
	}
}

// TestAccessLinesAtInfo: at the default level, every service writes one line
// per request of the confirm (the access log, which is at debug without the
// pattern), each key once; health probes stay out.
func TestAccessLinesAtInfo(t *testing.T) {
	l := &lines{}
	st := telemetrytest.Start(t, app.MustCompose(rest.Base, New(l)), map[string]string{"LOG_LEVEL": "info"})
	o := telemetrytest.PlaceOrder(t, st.URL)
	got := map[string]bool{}
	for _, m := range l.of(t, o.Confirm.Get("X-Request-ID")) {
		if m["msg"] == "request" && m["level"] == "INFO" {
			got[m["service"].(string)] = true
		}
	}
	for _, s := range []string{"gateway", "ordering", "warehouse", "shipping", "billing"} {
		if !got[s] {
			t.Errorf("%s wrote no access line of the confirm at INFO (got %v)", s, got)
		}
	}
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Count(line, `"request_id":`) > 1 {
			t.Errorf("a key twice: %s", line)
		}
		if strings.Contains(line, `"path":"/readyz"`) {
			t.Errorf("a probe's line at info: %s", line)
		}
	}
}
