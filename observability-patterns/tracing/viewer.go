package tracing

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

// ViewerModule is the trace viewer `lab run` starts, pinned in the tools module.
const ViewerModule = "github.com/CtrlSpice/otel-desktop-viewer"

// Viewer is the companion `lab run` starts with the tracing pattern:
// otel-desktop-viewer, built from the tools module (`go -C tools tool
// otel-desktop-viewer`), with its UI on TRACE_VIEWER_PORT (8000) and OTLP/HTTP
// on TRACE_VIEWER_OTLP_PORT (4318), on loopback. A user who sends the
// telemetry elsewhere (OTEL_EXPORTER_OTLP_ENDPOINT or its traces variant, or
// OTEL_TRACES_EXPORTER=none) gets no viewer, and their endpoint is used as set.
var Viewer = app.Companion{Name: "trace viewer", Skip: ownTelemetry, Prepare: prepareViewer}

// ownTelemetry reports whether the user chose where the spans go.
func ownTelemetry(env config.Getenv) bool {
	return env("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" ||
		env("OTEL_TRACES_EXPORTER") == "none"
}

// viewerPorts are the viewer's UI, OTLP/HTTP and OTLP/gRPC ports.
type viewerPorts struct{ ui, otlp, grpc int }

func loadViewerPorts(env config.Getenv) (viewerPorts, error) {
	r := config.NewReader(env)
	p := viewerPorts{ui: r.Positive("TRACE_VIEWER_PORT", 8000), otlp: r.Positive("TRACE_VIEWER_OTLP_PORT", 4318),
		grpc: r.Positive("TRACE_VIEWER_OTLP_GRPC_PORT", 4317)}
	return p, r.Err()
}

func prepareViewer(s app.CompanionScope) (*app.CompanionRun, error) {
	p, err := loadViewerPorts(s.Env)
	if err != nil {
		return nil, err
	}
	ui := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(p.ui))
	return &app.CompanionRun{
		Command: []string{"go", "-C", filepath.Join(s.Root, "tools"), "tool", "otel-desktop-viewer",
			"--host", "127.0.0.1", "--open-browser=false", "--browser-port", strconv.Itoa(p.ui),
			"--http", strconv.Itoa(p.otlp), "--grpc", strconv.Itoa(p.grpc)},
		Missing: "the viewer is built with Go from the tools module",
		Notice: fmt.Sprintf("starting otel-desktop-viewer (%s in tools/); its first build takes about 70 s "+
			"and needs a C compiler (gcc) for its database", ViewerModule),
		Ready:        ui + "/",
		ReadyTimeout: 10 * time.Minute,
		Env: []string{
			"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(p.otlp)),
			"LAB_TRACE_VIEWER_URL=" + ui,
		},
		Open: ui,
	}, nil
}
