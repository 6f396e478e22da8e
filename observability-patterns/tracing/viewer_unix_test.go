//go:build unix

package tracing

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/telemetry/telemetrytest"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestViewerShowsOneOrdersTrace runs the companion `lab run` starts — the
// real otel-desktop-viewer, by the very command the runner uses — sends it
// rest+tracing's spans, and asks the viewer (its JSON-RPC API) for the
// confirm's trace: every span of the gateway and the five services is there.
func TestViewerShowsOneOrdersTrace(t *testing.T) {
	testenv.Program(t, "gcc", "the viewer is built with cgo")
	env := map[string]string{}
	for _, k := range []string{"TRACE_VIEWER_PORT", "TRACE_VIEWER_OTLP_PORT", "TRACE_VIEWER_OTLP_GRPC_PORT"} {
		env[k] = telemetrytest.FreePort(t)
	}
	root, _ := filepath.Abs("../..")
	viewer := telemetrytest.StartCompanion(t, Viewer, app.CompanionScope{Variant: "rest+tracing", Root: root,
		Env: func(k string) string { return env[k] }})
	run, stackEnv := viewer.Run, viewer.Env()
	if !strings.HasPrefix(stackEnv["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://127.0.0.1:") || stackEnv["LAB_TRACE_VIEWER_URL"] != run.Open {
		t.Fatalf("the processes are told %v", run.Env)
	}
	st := telemetrytest.Start(t, app.MustCompose(rest.Base, Pattern), stackEnv)
	o := telemetrytest.PlaceOrder(t, st.URL)
	traceID := strings.Split(o.Confirm.Get("traceparent"), "-")[1]
	// The confirm in rest: the gateway (server and client), ordering (server,
	// and a client per call to the warehouse, shipping and billing), and each
	// callee's server span — at least eight spans, from six processes.
	viewer.Eventually(t, "at least 8 spans of trace "+traceID+" in the viewer", func() bool {
		return spanCount(t, run.Open, traceID) >= 8
	})
}

// spanCount asks the viewer how many spans of the trace it holds (-1 on an error).
func spanCount(t *testing.T, base, traceID string) int64 {
	body := `{"jsonrpc":"2.0","id":1,"method":"getTraceSpanCount","params":["` + traceID + `"]}`
	resp, err := http.Post(base+"/rpc", "application/json", strings.NewReader(body))
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var r struct {
		Result int64 `json:"result"`
		Error  any   `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Error != nil {
		return -1
	}
	return r.Result
}
